/**
 * What `backflow trigger` does; `trigger.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { triggerRun } from "../../core/scheduler/backfill.ts";
import { databaseClock } from "../../core/scheduler/clock.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { intervalText } from "../render/scheduler-events.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { scheduleOf, storedDag } from "./stored-dag.ts";

export async function trigger(
  dagId: string,
  options: { pipelines?: string; json?: boolean },
): Promise<void> {
  const store = await openStore();
  try {
    const dag = await storedDag(store, pipelinesDir(options.pipelines), dagId);
    const clock = databaseClock(store.pool);
    await clock.sync!();
    const run = await triggerRun(
      store.pool,
      dag.dagId,
      scheduleOf(dag),
      clock.now(),
    );
    if (options.json) {
      process.stdout.write(JSON.stringify(run, null, 2) + "\n");
    } else {
      process.stdout.write(
        `queued manual run ${run.id} of ${dag.dagId} (${intervalText(run)})` +
          (dag.isPaused ? "; the DAG is paused, so it waits for unpause" : "") +
          "\n",
      );
    }
  } finally {
    await store.close();
  }
}
