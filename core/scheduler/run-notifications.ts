/**
 * What a finished run tells its DAG's webhook. Notification rule:
 * 1. A failed run: `run_failed`, with the tasks that failed and why.
 * 2. A successful run after a failed one of the same DAG: `run_recovered`.
 * 3. Either, with more rejected rows than `notify.rejectedRowsAbove`:
 *    `rows_rejected` as well.
 * Only the process that finished the run asks, so each message goes once.
 */
import type { DagDefinition } from "../builder/dag-definition.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import type { DagRun } from "../store/records.ts";
import type { NotificationEvent, RunNotification } from "./notifier.ts";
import { previousOutcome } from "./run-queue.ts";
import { runRejected } from "./task-leases.ts";

export async function runNotifications(
  store: MetadataStore,
  dag: DagDefinition,
  run: DagRun,
  now: Date,
): Promise<RunNotification[]> {
  const notify = dag.notify;
  if (!notify) return [];
  const events: NotificationEvent[] = [];

  // 1–2.
  if (run.state === "failed") events.push("run_failed");
  if (
    run.state === "success" &&
    (await previousOutcome(store.pool, dag.id, run.id)) === "failed"
  ) {
    events.push("run_recovered");
  }

  // 3.
  const threshold = notify.rejectedRowsAbove;
  const rejected =
    threshold === undefined ? 0 : await runRejected(store.pool, run.id);
  if (threshold !== undefined && rejected > threshold) {
    events.push("rows_rejected");
  }
  if (events.length === 0) return [];

  const tasks = await store.runs.listTasks(run.id);
  const failedTasks = tasks
    .filter((t) => t.state === "failed" || t.state === "upstream_failed")
    .map((t) => ({
      taskId: t.taskId,
      state: t.state,
      error: t.error,
      errorCode: t.errorCode,
    }));
  const base = {
    dagId: dag.id,
    runId: run.id,
    runType: run.runType,
    state: run.state,
    logicalDate: run.logicalDate.toISOString(),
    dataInterval: {
      start: (run.dataIntervalStart ?? run.logicalDate).toISOString(),
      end: (run.dataIntervalEnd ?? run.logicalDate).toISOString(),
    },
  };
  return events.map((event) => ({
    event,
    ...base,
    ...(event === "run_failed" ? { failedTasks } : {}),
    ...(event === "rows_rejected"
      ? { rejectedRows: rejected, threshold: threshold! }
      : {}),
    sentAt: now.toISOString(),
  }));
}
