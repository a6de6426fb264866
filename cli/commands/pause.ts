/**
 * `backflow pause <dag>` and `backflow unpause <dag>`: a persisted switch.
 * A paused DAG gets no new runs and starts no new tasks; tasks already
 * running finish. Unpaused, it resumes with its catch-up policy.
 */
import type { Command } from "commander";

function registerOne(program: Command, paused: boolean): void {
  const name = paused ? "pause" : "unpause";
  program
    .command(name)
    .description(
      paused
        ? "stop scheduling a DAG (persisted) until unpaused"
        : "resume scheduling a paused DAG",
    )
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .action(async (dagId: string, options: { pipelines?: string }) => {
      const { setPausedCommand } = await import("./pause-action.ts");
      await setPausedCommand(dagId, options, paused);
    });
}

export function register(program: Command): void {
  registerOne(program, true);
  registerOne(program, false);
}
