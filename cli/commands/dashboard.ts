/**
 * `backflow dashboard`: DAGs, runs and tasks, live, in the terminal. It
 * reads the metadata store only, so it works beside a scheduler running
 * in another process or on another machine that shares the store.
 */
import type { Command } from "commander";

import { storeSource } from "../../core/dashboard/index.ts";
import { UsageError } from "../../core/errors.ts";
import { openStore, type StoreLocation } from "../../core/store/index.ts";
import { pipelinesDir } from "./pipelines-option.ts";

interface DashboardOptions {
  pipelines?: string;
  dag?: string;
  refresh: string;
}

function where(location: StoreLocation): string {
  return location.kind === "embedded"
    ? `embedded store on port ${location.port}`
    : `store ${location.url}`;
}

function refreshMs(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50 || ms > 60_000) {
    throw new UsageError(
      `--refresh "${value}" is not a whole number of ms between 50 and 60000`,
    );
  }
  return ms;
}

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
      const interval = refreshMs(options.refresh);
      const store = await openStore();
      try {
        const source = storeSource(store.pool, {
          ...(options.pipelines
            ? { pipelinesDir: pipelinesDir(options.pipelines) }
            : {}),
        });
        // Ink takes a second or more to import: only this command pays.
        if (!process.stdout.isTTY || !process.stdin.isTTY) {
          const { plainStatus } = await import("../dashboard/plain-status.tsx");
          process.stdout.write(plainStatus(await source.overview()) + "\n");
          return;
        }
        const { showDashboard } =
          await import("../dashboard/show-dashboard.ts");
        await showDashboard({
          source,
          title: where(store.location),
          refreshMs: interval,
          ...(options.dag ? { dagId: options.dag } : {}),
        });
      } finally {
        await store.close();
      }
    });
}
