/**
 * The run log the dashboard's task detail shows: one entry when a task
 * starts, when it rejects rows, and when it ends. Written by every recorder
 * (the runner's and the scheduler's), so the log reads the same whoever ran
 * the task. A log write never fails a task: it is reported and dropped.
 */
import type { MetadataStore } from "../store/index.ts";
import { createLogger } from "../util/log.ts";
import type { TaskSummary } from "./run-events.ts";
import type { RejectedRow } from "./sync-task.ts";

const log = createLogger({ scope: "task-log" });

type Entry = Parameters<MetadataStore["log"]["append"]>[0];

async function append(store: MetadataStore, entry: Entry): Promise<void> {
  await store.log.append(entry).catch((error: unknown) => {
    log.warn("run_log_not_written", { error });
  });
}

export function logTaskStarted(
  store: MetadataStore,
  runId: number,
  taskId: string,
  tryNumber?: number,
): Promise<void> {
  return append(store, {
    runId,
    taskId,
    ...(tryNumber === undefined ? {} : { tryNumber }),
    level: "info",
    event: "task_started",
  });
}

export function logRowsRejected(
  store: MetadataStore,
  runId: number,
  taskId: string,
  rows: readonly RejectedRow[],
): Promise<void> {
  const first = rows[0];
  if (!first) return Promise.resolve();
  return append(store, {
    runId,
    taskId,
    level: "warn",
    event: "rows_rejected",
    fields: {
      count: rows.length,
      example: { rowKey: first.rowKey, field: first.field },
      reason: first.reason,
    },
  });
}

export function logTaskFinished(
  store: MetadataStore,
  runId: number,
  summary: TaskSummary,
): Promise<void> {
  return append(store, {
    runId,
    taskId: summary.taskId,
    level: summary.state === "success" ? "info" : "error",
    event: `task_${summary.state}`,
    fields: {
      rowsRead: summary.rowsRead,
      recordsSent: summary.recordsSent,
      rejected: summary.rejected,
      durationMs: summary.durationMs,
      ...(summary.error ? { error: summary.error } : {}),
    },
  });
}
