/**
 * `backflow backfill <dag> --from <date> --to <date> [--dry-run]`: queues a
 * run for every interval of the DAG's schedule inside the range. Intervals
 * that already have a run (scheduled or backfill) keep it; nothing runs
 * twice. A running `backflow scheduler` executes the runs, oldest first,
 * within the DAG's maxActiveRuns.
 *
 * Dates without a zone are read in the DAG's time zone; a date alone is
 * its midnight.
 */
import type { Command } from "commander";
import type { BackfillOptions } from "./backfill-action.ts";

export function register(program: Command): void {
  program
    .command("backfill")
    .description("queue runs for the intervals of a past date range")
    .argument("<dag>", "the DAG id")
    .requiredOption("--from <date>", "first interval starts at or after this")
    .requiredOption("--to <date>", "last interval ends at or before this")
    .option("--dry-run", "list the intervals; create nothing")
    .option("--json", "print JSON")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .action(async (dagId: string, options: BackfillOptions) => {
      const { backfill } = await import("./backfill-action.ts");
      await backfill(dagId, options);
    });
}
