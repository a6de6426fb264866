/**
 * `backflow list`: the DAGs of a project and their tasks.
 */
import type { Command } from "commander";
import type { ListOptions } from "./list-action.ts";

export function register(program: Command): void {
  program
    .command("list")
    .description("list the DAGs and their tasks")
    .option("--pipelines <dir>", "folder of pipeline modules", undefined)
    .option("--json", "print JSON")
    .action(async (options: ListOptions) => {
      const { list } = await import("./list-action.ts");
      await list(options);
    });
}
