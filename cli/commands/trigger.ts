/**
 * `backflow trigger <dag>`: queues a manual run of a DAG for its latest
 * complete interval. A manual run is a run of its own: it neither waits for
 * nor replaces the scheduled run of that interval. A running
 * `backflow scheduler` starts it.
 */
import type { Command } from "commander";

export function register(program: Command): void {
  program
    .command("trigger")
    .description("queue a manual run of a DAG (a running scheduler starts it)")
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print the run as JSON")
    .action(
      async (
        dagId: string,
        options: { pipelines?: string; json?: boolean },
      ) => {
        const { trigger } = await import("./trigger-action.ts");
        await trigger(dagId, options);
      },
    );
}
