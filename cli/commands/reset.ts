/**
 * `backflow reset <dag> <task>`: forgets what a sync task remembers (its
 * checkpoint, look-back ledger, profile hashes, open rejections), so that
 * its next run reads and sends everything again. Mixpanel de-duplicates
 * the events by `$insert_id`; profiles are simply set again.
 */
import type { Command } from "commander";
import type { ResetOptions } from "./reset-action.ts";

export function register(program: Command): void {
  program
    .command("reset")
    .description("forget a sync task's checkpoint, hashes and rejections")
    .argument("<dag>", "the DAG id")
    .argument("<task>", "the sync task")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print JSON")
    .action(async (dagId: string, taskId: string, o: ResetOptions) => {
      const { reset } = await import("./reset-action.ts");
      await reset(dagId, taskId, o);
    });
}
