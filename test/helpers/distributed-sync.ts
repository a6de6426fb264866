/**
 * The sync harness's `sync` under `BACKFLOW_EXECUTOR=distributed`: the DAG
 * runs as a manual run (as `backflow trigger` makes one, with the call's
 * interval) that a scheduler with the queue executor hands to a real
 * `TaskWorker` through graphile-worker on the same store. Both are made
 * for the call and stopped after it, so each call's run options (page
 * size, client options, full refresh, listener) are the worker's own.
 *
 * Meaning kept from `runDag`:
 * - `taskIds`: the scheduler and the worker see the DAG with only those
 *   tasks (same DAG and task ids, so checkpoints and insert ids are the
 *   same), as a run of `runDag` selects them.
 * - A failing task fails the run at once: the DAG is seen with no retries.
 * - `signal`: stopping the run midway. The scheduler stops handing out and
 *   the worker stops, both at the moment of the abort: the running task
 *   sees its signal as under `runDag`, finishes the batch in flight,
 *   checkpoints, and is handed back (queued). The run is then ended by
 *   hand, the task as failed, which is what an aborted `runDag` reports;
 *   the next call resumes from the checkpoint.
 * - The summary is read from the store: counters, states and errors are
 *   those the worker recorded on the task instances.
 */
import type {
  DagDefinition,
  TaskDefinition,
} from "../../core/builder/dag-definition.ts";
import { QueueExecutor } from "../../core/executor/queue-executor.ts";
import { TaskWorker } from "../../core/executor/task-worker.ts";
import type { RunDagOptions } from "../../core/runner/run-dag.ts";
import type {
  RunSummary,
  TaskState,
  TaskSummary,
} from "../../core/runner/run-events.ts";
import { databaseClock } from "../../core/scheduler/clock.ts";
import { createManualRun, finishRun } from "../../core/scheduler/run-queue.ts";
import { Scheduler } from "../../core/scheduler/scheduler.ts";
import { taskRows } from "../../core/scheduler/task-leases.ts";
import { judgeRun } from "../../core/scheduler/task-picker.ts";
import type { MetadataStore } from "../../core/store/index.ts";
import type { DagRun, TaskInstance } from "../../core/store/records.ts";
import { storeSyncState } from "../../core/sync/task-state.ts";

/** How long one call may take before it is reported as stuck. */
const DEADLINE_MS = 60_000;

const STOPPED = "stopped midway by the test (its signal aborted)";

/** The DAG as a run of `taskIds` sees it, never retrying a task. */
export function selectedDag(
  dag: DagDefinition,
  taskIds: readonly string[] = [],
): DagDefinition {
  for (const id of taskIds) {
    if (!dag.task(id)) throw new Error(`DAG "${dag.id}" has no task "${id}"`);
  }
  const keep = (id: string) => taskIds.length === 0 || taskIds.includes(id);
  return Object.freeze({
    ...dag,
    retries: 0,
    tasks: Object.freeze(dag.tasks.filter((t) => keep(t.id))),
    levels: Object.freeze(
      dag.levels
        .map((level) => Object.freeze(level.filter(keep)))
        .filter((level) => level.length > 0),
    ),
    task: (id: string): TaskDefinition | undefined =>
      keep(id) ? dag.task(id) : undefined,
  });
}

export async function syncThroughWorker(
  store: MetadataStore,
  dag: DagDefinition,
  options: RunDagOptions,
): Promise<RunSummary> {
  const {
    taskIds,
    interval,
    signal,
    recorder: _recorder,
    upstream: _upstream,
    ...runOptions
  } = options;
  const view = selectedDag(dag, taskIds);
  const source = { dags: () => [view] };
  const clock = databaseClock(store.pool);
  await clock.sync!();

  const worker = new TaskWorker({
    store,
    source,
    clock,
    concurrency: view.maxActiveTasks,
    pollIntervalMs: 100,
    runOptions: { syncState: storeSyncState(store.sync), ...runOptions },
  });
  const executor = new QueueExecutor(store);
  const scheduler = new Scheduler({ store, source, clock, executor });

  // The scheduler first, so that it hands nothing out once the task is
  // handed back; both begin to stop at once (no await before either).
  let stopped: Promise<unknown> | undefined;
  const stop = () => {
    stopped ??= Promise.all([scheduler.stop(), worker.stop()]);
  };
  if (signal?.aborted) stop();
  signal?.addEventListener("abort", stop, { once: true });

  try {
    await worker.start();
    const now = clock.now();
    const run = await createManualRun(
      store.pool,
      view.id,
      interval ?? { start: now, end: now },
      now,
    );
    await untilEnded(store, scheduler, run.id, () => stopped !== undefined);
    if (stopped) {
      await stopped;
      await endStoppedRun(store, view, run.id);
    }
    return await summary(store, view, run.id, worker.id);
  } finally {
    signal?.removeEventListener("abort", stop);
    stop();
    await stopped;
    await executor.close();
  }
}

/** Passes until the run has ended, or the test stopped it. */
async function untilEnded(
  store: MetadataStore,
  scheduler: Scheduler,
  runId: number,
  stopping: () => boolean,
): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    await scheduler.tick();
    await scheduler.idle();
    if (stopping()) return;
    const run = await store.runs.getRun(runId);
    if (run && run.state !== "queued" && run.state !== "running") return;
    if (Date.now() > deadline) {
      throw new Error(
        `run ${runId} of DAG "${run?.dagId}" is still ${run?.state} after ` +
          `${DEADLINE_MS} ms: the worker did not finish its tasks`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What an aborted `runDag` reports: the unfinished tasks failed. */
async function endStoppedRun(
  store: MetadataStore,
  dag: DagDefinition,
  runId: number,
): Promise<void> {
  await store.pool.query(
    `update task_instances
        set state = 'failed', ended_at = now(), next_try_at = null,
            error = $2, error_code = 'ABORTED'
      where run_id = $1 and state in ('queued', 'up_for_retry', 'running')`,
    [runId, STOPPED],
  );
  const { final } = judgeRun(dag, await taskRows(store.pool, [runId]));
  if (final) await finishRun(store.pool, runId, final, new Date());
}

/** A stored state as `runDag` names it (skipped or cancelled: failed). */
function summaryState(state: TaskInstance["state"]): TaskState {
  switch (state) {
    case "queued":
    case "up_for_retry":
      return "pending";
    case "running":
    case "success":
    case "failed":
    case "upstream_failed":
      return state;
    default:
      return "failed";
  }
}

const elapsed = (from: Date | null, to: Date | null) =>
  from && to ? to.getTime() - from.getTime() : 0;

/** The run's summary, as `runDag` returns it, from the store. */
async function summary(
  store: MetadataStore,
  dag: DagDefinition,
  runId: number,
  workerId: string,
): Promise<RunSummary> {
  const run = (await store.runs.getRun(runId)) as DagRun;
  const instances = new Map(
    (await store.runs.listTasks(runId)).map((t) => [t.taskId, t]),
  );
  for (const t of instances.values()) {
    if (t.startedAt !== null && t.worker !== workerId) {
      throw new Error(
        `task "${t.taskId}" of run ${runId} ran on ${t.worker}, not on the ` +
          `test's worker ${workerId}`,
      );
    }
  }
  const tasks: TaskSummary[] = dag.tasks.flatMap((task) => {
    const t = instances.get(task.id);
    if (!t) return [];
    return [
      {
        taskId: t.taskId,
        kind: task.kind,
        state: summaryState(t.state),
        durationMs: elapsed(t.startedAt, t.endedAt),
        rowsRead: t.rowsRead,
        recordsSent: t.recordsSent,
        rejected: t.recordsRejected,
        ...(t.error === null ? {} : { error: t.error }),
        ...(t.errorCode === null ? {} : { errorCode: t.errorCode }),
      },
    ];
  });
  const sum = (pick: (t: TaskSummary) => number) =>
    tasks.reduce((total, t) => total + pick(t), 0);
  return {
    dagId: run.dagId,
    runId: String(run.id),
    state: run.state === "success" ? "success" : "failed",
    dryRun: false,
    startedAt: (run.startedAt ?? run.queuedAt).toISOString(),
    durationMs: elapsed(run.startedAt, run.endedAt),
    tasks,
    totals: {
      rowsRead: sum((t) => t.rowsRead),
      recordsSent: sum((t) => t.recordsSent),
      rejected: sum((t) => t.rejected),
    },
  };
}
