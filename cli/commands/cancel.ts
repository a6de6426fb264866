/**
 * `backflow cancel <dag> [--run <id>]`: cancels a run, or every queued or
 * running run of the DAG. A queued run ends at once; a running one stops
 * its tasks within a heartbeat, under whichever scheduler or worker runs
 * them, and then ends `cancelled` (core/scheduler/run-cancel.ts).
 */
import type { Command } from "commander";

import type { CancelOptions } from "./cancel-action.ts";

export function register(program: Command): void {
  program
    .command("cancel")
    .description(
      "cancel a DAG's queued and running runs (running tasks stop within a heartbeat)",
    )
    .argument("<dag>", "the DAG id")
    .option("--run <id>", "only this run")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print the cancelled runs as JSON")
    .action(async (dagId: string, options: CancelOptions) => {
      const { cancel } = await import("./cancel-action.ts");
      await cancel(dagId, options);
    });
}
