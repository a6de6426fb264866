/**
 * `backflow reset <dag> <task>`: forgets what a sync task remembers (its
 * checkpoint, look-back ledger, profile hashes, open rejections), so that
 * its next run reads and sends everything again. Mixpanel de-duplicates
 * the events by `$insert_id`; profiles are simply set again.
 */
import type { Command } from "commander";
import { isSyncTask } from "../../core/builder/dag-definition.ts";
import { UsageError } from "../../core/errors.ts";
import { openStore } from "../../core/store/index.ts";
import { findDag, pipelinesDir } from "./pipelines-option.ts";

interface ResetOptions {
  pipelines?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("reset")
    .description("forget a sync task's checkpoint, hashes and rejections")
    .argument("<dag>", "the DAG id")
    .argument("<task>", "the sync task")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print JSON")
    .action(async (dagId: string, taskId: string, o: ResetOptions) => {
      const { dag } = await findDag(pipelinesDir(o.pipelines), dagId);
      const task = dag.task(taskId);
      if (!task || !isSyncTask(task)) {
        const syncs = dag.tasks.filter(isSyncTask).map((t) => t.id);
        throw new UsageError(
          `DAG "${dagId}" has no sync task "${taskId}" (its sync tasks: ` +
            `${syncs.join(", ") || "none"})`,
        );
      }
      const store = await openStore();
      try {
        const counts = await store.sync.resetTask(dagId, taskId);
        if (o.json) {
          const out = { dag: dagId, task: taskId, cleared: counts };
          process.stdout.write(JSON.stringify(out, null, 2) + "\n");
          return;
        }
        process.stdout.write(
          `reset ${dagId}/${taskId}: ` +
            `${counts.checkpoints ? "checkpoint" : "no checkpoint"}, ` +
            `${counts.ledger} look-back keys, ${counts.profiles} profile ` +
            `hashes and ${counts.rejections} open rejections forgotten; ` +
            `the next run sends everything again\n`,
        );
      } finally {
        await store.close();
      }
    });
}
