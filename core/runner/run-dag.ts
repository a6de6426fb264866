/**
 * Runs one DAG once: every selected task after its dependencies, independent
 * tasks at the same time, and a summary at the end.
 *
 * Ordering rules:
 * 1. A task starts when every dependency it has inside the selection has
 *    succeeded, and while fewer than `maxParallelTasks` tasks are running.
 * 2. A task whose dependency failed does not run: it ends as
 *    `upstream_failed`, and so do the tasks after it.
 * 3. A failed task never stops independent branches; the run fails if any
 *    task did.
 */
import { randomUUID } from "node:crypto";
import type {
  DagDefinition,
  RejectThreshold,
  TaskDefinition,
  UpstreamLookup,
} from "../builder/dag-definition.ts";
import { isSyncTask } from "../builder/dag-definition.ts";
import type { EnvSource } from "../builder/env.ts";
import { BackflowError, errorMessage } from "../errors.ts";
import type { MixpanelClientOptions } from "../mixpanel/client.ts";
import { bindQuery } from "../source/sql.ts";
import { createLogger } from "../util/log.ts";
import { redact } from "../util/redact.ts";
import { RunResources } from "./run-resources.ts";
import {
  emptyCounters,
  type RunListener,
  type RunSummary,
  type TaskCounters,
  type TaskSummary,
} from "./run-events.ts";
import type { RunRecorder } from "./run-recorder.ts";
import { runSyncTask, type RejectedRow } from "./sync-task.ts";
import type { SyncStateSource } from "../sync/task-state.ts";

export interface RunDagOptions {
  /** Run only these tasks (default: all), still in dependency order. */
  taskIds?: readonly string[];
  /** The run's data interval, bound to `d.interval` in queries. */
  interval?: { start: Date; end: Date };
  /** Send nothing; write the request bodies under this folder instead. */
  dryRunDir?: string;
  /** Tasks running at once (default: 4). */
  maxParallelTasks?: number;
  env?: EnvSource;
  clientOptions?: MixpanelClientOptions;
  signal?: AbortSignal;
  listener?: RunListener;
  recorder?: RunRecorder;
  /** Lets code tasks read other DAGs' runs (`d.waitFor`). */
  upstream?: UpstreamLookup;
  /** Checkpoints, hashes, open rejections (default: none remembered). */
  syncState?: SyncStateSource;
  /** Sync tasks forget their checkpoint and hashes and send everything. */
  fullRefresh?: boolean;
  /** Warehouse rows per fetch (default: 5000). */
  pageSize?: number;
}

/** Thrown for a rejection count past the task's threshold. */
export class RejectThresholdError extends BackflowError {
  constructor(taskId: string, rejected: number, rowsRead: number) {
    super(
      "TASK_FAILED",
      `task "${taskId}" rejected ${rejected} of ${rowsRead} rows, more than ` +
        `its rejectThreshold allows; see \`backflow rejects\` for the reasons`,
    );
  }
}

function overThreshold(
  limits: Readonly<RejectThreshold>,
  counters: TaskCounters,
): boolean {
  if (limits.maxRows !== undefined && counters.rejected > limits.maxRows) {
    return true;
  }
  if (limits.maxShare === undefined || counters.rowsRead === 0) return false;
  return counters.rejected / counters.rowsRead > limits.maxShare;
}

function selectTasks(dag: DagDefinition, ids?: readonly string[]) {
  if (!ids || ids.length === 0) return dag.tasks;
  for (const id of ids) {
    if (!dag.task(id)) {
      const known = dag.tasks.map((t) => t.id).join(", ");
      throw new BackflowError(
        "GRAPH_UNKNOWN_TASK",
        `DAG "${dag.id}" has no task "${id}" (its tasks: ${known})`,
      );
    }
  }
  return dag.tasks.filter((t) => ids.includes(t.id));
}

export async function runDag(
  dag: DagDefinition,
  options: RunDagOptions = {},
): Promise<RunSummary> {
  const tasks = selectTasks(dag, options.taskIds);
  const selected = new Set(tasks.map((t) => t.id));
  const emit = options.listener ?? (() => {});
  const recorder = options.recorder;
  const started = new Date();
  const interval = options.interval ?? { start: started, end: started };
  const params = {
    "interval.start": interval.start,
    "interval.end": interval.end,
  };
  const resources = new RunResources(options.env, {
    ...options.clientOptions,
    ...(options.dryRunDir ? { dryRunDir: options.dryRunDir } : {}),
  });
  resources.registerSecrets(dag.connections);
  const controller = new AbortController();
  // The reason travels on, so a task can tell a timeout from a shutdown.
  options.signal?.addEventListener(
    "abort",
    () => controller.abort(options.signal?.reason),
    { once: true },
  );

  const runId =
    (await recorder?.startRun(dag, {
      interval,
      dryRun: options.dryRunDir !== undefined,
    })) ?? randomUUID();
  const log = createLogger({ dag: dag.id, run: runId });
  emit({ type: "run-started", dagId: dag.id, runId, taskIds: [...selected] });

  const summaries = new Map<string, TaskSummary>();
  const running = new Map<string, Promise<void>>();
  const limit = Math.max(1, options.maxParallelTasks ?? 4);

  const execute = async (task: TaskDefinition): Promise<TaskCounters> => {
    const taskLog = log.child({ task: task.id });
    if (isSyncTask(task)) {
      const counters = await runSyncTask(task, {
        source: resources.source(task.from.connection),
        client: resources.client(task.to, task.id),
        params,
        signal: controller.signal,
        ...(options.syncState
          ? { state: options.syncState.forTask(dag.id, task.id, runId) }
          : {}),
        ...(options.fullRefresh ? { fullRefresh: true } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
        onProgress: (c) => {
          emit({ type: "task-progress", taskId: task.id, counters: c });
          recorder?.progress(runId, task.id, c);
        },
        onRejected: async (rows: RejectedRow[]) => {
          taskLog.debug("rows_rejected", { count: rows.length });
          await recorder?.rejected(runId, task.id, rows);
        },
      });
      if (overThreshold(task.rejectThreshold, counters)) {
        throw Object.assign(
          new RejectThresholdError(
            task.id,
            counters.rejected,
            counters.rowsRead,
          ),
          { counters },
        );
      }
      return counters;
    }
    if (task.kind === "sql") {
      if (options.dryRunDir) return emptyCounters();
      await resources
        .source(task.on)
        .execute(bindQuery(task.statement, params), {
          signal: controller.signal,
        });
      return emptyCounters();
    }
    if (options.dryRunDir) return emptyCounters();
    await task.run({
      dagId: dag.id,
      taskId: task.id,
      runId,
      interval,
      signal: controller.signal,
      log: taskLog,
      ...(options.upstream ? { upstream: options.upstream } : {}),
    });
    return emptyCounters();
  };

  const runOne = async (task: TaskDefinition) => {
    const began = Date.now();
    emit({ type: "task-started", taskId: task.id, kind: task.kind });
    await recorder?.startTask(runId, task.id, task.kind);
    let summary: TaskSummary;
    try {
      const counters = await execute(task);
      summary = {
        taskId: task.id,
        kind: task.kind,
        state: "success",
        durationMs: Date.now() - began,
        ...counters,
      };
    } catch (error) {
      const partial = (error as { counters?: TaskCounters }).counters;
      summary = {
        taskId: task.id,
        kind: task.kind,
        state: "failed",
        durationMs: Date.now() - began,
        ...(partial ?? emptyCounters()),
        error: redact(errorMessage(error)),
        ...(error instanceof BackflowError ? { errorCode: error.code } : {}),
      };
      log.error("task_failed", { task: task.id, error });
    }
    if (options.dryRunDir && isSyncTask(task)) {
      summary.dryRunDir = options.dryRunDir;
    }
    summaries.set(task.id, summary);
    await recorder?.finishTask(runId, summary);
    emit({ type: "task-finished", summary });
  };

  const blockedBy = (task: TaskDefinition) =>
    task.dependsOn.filter((dep) => selected.has(dep));

  try {
    while (summaries.size < tasks.length) {
      for (const task of tasks) {
        if (summaries.has(task.id) || running.has(task.id)) continue;
        const deps = blockedBy(task);
        const failedDep = deps.find((d) => {
          const state = summaries.get(d)?.state;
          return state === "failed" || state === "upstream_failed";
        });
        if (failedDep) {
          const summary: TaskSummary = {
            taskId: task.id,
            kind: task.kind,
            state: "upstream_failed",
            durationMs: 0,
            ...emptyCounters(),
            error: `upstream task "${failedDep}" failed`,
          };
          summaries.set(task.id, summary);
          await recorder?.finishTask(runId, summary);
          emit({ type: "task-finished", summary });
          continue;
        }
        const ready = deps.every((d) => summaries.get(d)?.state === "success");
        if (!ready || running.size >= limit) continue;
        const promise = runOne(task).finally(() => running.delete(task.id));
        running.set(task.id, promise);
      }
      if (running.size > 0) await Promise.race(running.values());
    }
  } finally {
    await Promise.allSettled(running.values());
    await resources.close();
  }

  const ordered = tasks.map((t) => summaries.get(t.id)!);
  const totals = emptyCounters();
  for (const s of ordered) {
    totals.rowsRead += s.rowsRead;
    totals.recordsSent += s.recordsSent;
    totals.rejected += s.rejected;
  }
  const summary: RunSummary = {
    dagId: dag.id,
    runId,
    state: ordered.every((s) => s.state === "success") ? "success" : "failed",
    dryRun: options.dryRunDir !== undefined,
    startedAt: started.toISOString(),
    durationMs: Date.now() - started.getTime(),
    tasks: ordered,
    totals,
  };
  await recorder?.finishRun(runId, summary);
  emit({ type: "run-finished", summary });
  return summary;
}
