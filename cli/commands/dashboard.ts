/**
 * `backflow dashboard`: DAGs, runs and tasks, live, in the terminal. It
 * reads the metadata store only, so it works beside a scheduler running
 * in another process or on another machine that shares the store.
 */
import type { Command } from "commander";
import type { DashboardOptions } from "./dashboard-action.ts";

export function register(program: Command): void {
  program
    .command("dashboard")
    .description(
      "watch DAGs, runs and tasks live (reads the metadata store; " +
        "plain status when stdout is not a terminal)",
    )
    .option(
      "--pipelines <dir>",
      "show only the DAGs compiled from this folder (default: all)",
    )
    .option("--dag <id>", "open this DAG's runs")
    .option("--refresh <ms>", "how often the store is read", "500")
    .action(async (options: DashboardOptions) => {
      const { dashboard } = await import("./dashboard-action.ts");
      await dashboard(options);
    });
}
