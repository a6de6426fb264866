/**
 * What `backflow cancel` does; `cancel.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { UsageError } from "../../core/errors.ts";
import { databaseClock } from "../../core/scheduler/clock.ts";
import { cancelRuns } from "../../core/scheduler/run-cancel.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { intervalText } from "../render/scheduler-events.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { storedDag } from "./stored-dag.ts";

export interface CancelOptions {
  run?: string;
  pipelines?: string;
  json?: boolean;
}

export async function cancel(
  dagId: string,
  options: CancelOptions,
): Promise<void> {
  const runId = options.run === undefined ? undefined : Number(options.run);
  if (runId !== undefined && !(Number.isSafeInteger(runId) && runId > 0)) {
    throw new UsageError(`--run must be a run id, not "${options.run}"`);
  }
  const store = await openStore();
  try {
    // A DAG that left the pipelines may still have runs to cancel; only a
    // DAG the store never saw needs the pipelines (and names what exists).
    const known = await store.dags.get(dagId);
    const dag =
      known ?? (await storedDag(store, pipelinesDir(options.pipelines), dagId));
    const clock = databaseClock(store.pool);
    await clock.sync!();
    const cancelled = await cancelRuns(
      store.pool,
      dag.dagId,
      runId,
      clock.now(),
    );

    if (options.json) {
      const out = cancelled.map(({ run, was }) => ({ ...run, was }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      return;
    }
    if (cancelled.length === 0) {
      process.stdout.write(`no queued or running run of ${dag.dagId}\n`);
      return;
    }
    for (const { run, was } of cancelled) {
      const what =
        was === "queued" ? "cancelled queued run" : "cancelling running run";
      const then =
        was === "queued" ? "" : "; its running tasks stop within a heartbeat";
      process.stdout.write(
        `${what} ${run.id} of ${dag.dagId} (${intervalText(run)})${then}\n`,
      );
    }
  } finally {
    await store.close();
  }
}
