/**
 * What `backflow reset` does; `reset.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { isSyncTask } from "../../core/builder/dag-definition.ts";
import { UsageError } from "../../core/errors.ts";
import { openStore } from "../../core/store/index.ts";
import { findDag, pipelinesDir } from "./pipelines-option.ts";

export interface ResetOptions {
  pipelines?: string;
  json?: boolean;
}

export async function reset(
  dagId: string,
  taskId: string,
  o: ResetOptions,
): Promise<void> {
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
}
