/**
 * `backflow rejects <dag> [task]`: the rows a DAG could not deliver and
 * why. Open rejections are those still waiting for their row to be fixed;
 * every run retries them, and they clear once the row is delivered.
 */
import type { Command } from "commander";
import type { RejectsOptions } from "./rejects-action.ts";

export function register(program: Command): void {
  program
    .command("rejects")
    .description("show rejected rows of a DAG (open ones: not yet delivered)")
    .argument("<dag>", "the DAG id")
    .argument("[task]", "only this task")
    .option("--all", "include rejections that have cleared")
    .option("--limit <n>", "show at most this many", "100")
    .option("--json", "print JSON")
    .action(
      async (dagId: string, taskId: string | undefined, o: RejectsOptions) => {
        const { rejects } = await import("./rejects-action.ts");
        await rejects(dagId, taskId, o);
      },
    );
}
