/**
 * Which waiting task instances start now, and how far each run has got.
 * Pure functions over what the store holds; the scheduler applies them
 * inside the scheduling lock.
 *
 * Pick rule:
 * 1. Runs are served oldest logical date first, each run's tasks in
 *    dependency order.
 * 2. An instance is ready when it is `queued`, or `up_for_retry` and its
 *    `next_try_at` has come, and every dependency in its run succeeded.
 * 3. It starts only while this process, its DAG (`maxActiveTasks`) and
 *    its Mixpanel connection (the connection's cap) each have a free slot,
 *    counting tasks running in every scheduler process.
 *
 * Judge rule:
 * 0. In a run being cancelled, every waiting instance is closed as
 *    cancelled (running ones stop at their next heartbeat).
 * 1. A waiting instance whose task left the DAG is closed as skipped.
 * 2. A waiting instance with a failed (or upstream-failed) dependency is
 *    closed as upstream_failed, and so on down the graph.
 * 3. When every instance has ended, the run is cancelled if any instance
 *    was, else it succeeds if none failed.
 */
import type {
  DagDefinition,
  TaskDefinition,
} from "../builder/dag-definition.ts";
import { isSyncTask } from "../builder/dag-definition.ts";
import type { DagRun, TaskState } from "../store/records.ts";
import type { TaskRow } from "./task-leases.ts";

export interface PickInput {
  /** Running runs with their DAG, oldest first. */
  readonly runs: readonly { run: DagRun; dag: DagDefinition }[];
  readonly rows: readonly TaskRow[];
  readonly now: Date;
  /** Free slots in this process. */
  readonly capacity: number;
  readonly runningByDag: ReadonlyMap<string, number>;
  readonly runningByPool: ReadonlyMap<string, number>;
  readonly poolCap: (pool: string) => number;
}

export interface Pick {
  readonly runId: number;
  readonly dagId: string;
  readonly taskId: string;
  readonly pool: string | null;
}

const ENDED: ReadonlySet<TaskState> = new Set([
  "success",
  "failed",
  "upstream_failed",
  "skipped",
  "cancelled",
]);
const BROKEN: ReadonlySet<TaskState> = new Set(["failed", "upstream_failed"]);

/** The concurrency pool a task counts against: its Mixpanel connection. */
export function poolOf(task: TaskDefinition): string | null {
  return isSyncTask(task) ? task.to.name : null;
}

function rowsByRun(rows: readonly TaskRow[]) {
  const byRun = new Map<number, Map<string, TaskRow>>();
  for (const row of rows) {
    const run = byRun.get(row.runId) ?? new Map<string, TaskRow>();
    run.set(row.taskId, row);
    byRun.set(row.runId, run);
  }
  return byRun;
}

/**
 * Pick rule 2 for one task of a run (`rows`: the run's instances by task
 * id); a distributed worker asks it again before it claims.
 */
export function isReady(
  task: TaskDefinition,
  rows: ReadonlyMap<string, TaskRow>,
  now: Date,
): boolean {
  const row = rows.get(task.id);
  if (!row) return false;
  const due =
    row.state === "queued" ||
    (row.state === "up_for_retry" &&
      (row.nextTryAt === null || row.nextTryAt <= now));
  return (
    due &&
    task.dependsOn.every((dep) => {
      const state = rows.get(dep)?.state;
      return state === undefined || state === "success";
    })
  );
}

export function pickTasks(input: PickInput): Pick[] {
  const byRun = rowsByRun(input.rows);
  const byDag = new Map(input.runningByDag);
  const byPool = new Map(input.runningByPool);
  const picks: Pick[] = [];

  for (const { run, dag } of input.runs) {
    const rows = byRun.get(run.id);
    if (!rows) continue;
    for (const task of dag.tasks) {
      if (picks.length >= input.capacity) return picks;
      if (!isReady(task, rows, input.now)) continue;
      if ((byDag.get(dag.id) ?? 0) >= dag.maxActiveTasks) break;
      const pool = poolOf(task);
      if (pool !== null && (byPool.get(pool) ?? 0) >= input.poolCap(pool)) {
        continue;
      }
      picks.push({ runId: run.id, dagId: dag.id, taskId: task.id, pool });
      byDag.set(dag.id, (byDag.get(dag.id) ?? 0) + 1);
      if (pool !== null) byPool.set(pool, (byPool.get(pool) ?? 0) + 1);
    }
  }
  return picks;
}

export interface RunVerdict {
  /** Waiting instances to close, and why. */
  readonly close: readonly {
    taskIds: string[];
    state: "upstream_failed" | "skipped" | "cancelled";
    reason: string;
  }[];
  /** Set when every instance has ended. */
  readonly final?: "success" | "failed" | "cancelled";
}

/** `cancelling`: the run has a cancel request (run-cancel.ts). */
export function judgeRun(
  dag: DagDefinition,
  rows: readonly TaskRow[],
  cancelling = false,
): RunVerdict {
  const states = new Map(rows.map((r) => [r.taskId, r.state]));
  const waiting = (id: string) => {
    const state = states.get(id);
    return state === "queued" || state === "up_for_retry";
  };
  const close: RunVerdict["close"][number][] = [];

  // 0.
  const stopped = cancelling ? [...states.keys()].filter(waiting) : [];
  if (stopped.length > 0) {
    close.push({
      taskIds: stopped,
      state: "cancelled",
      reason: "the run was cancelled by the user (backflow cancel)",
    });
    for (const id of stopped) states.set(id, "cancelled");
  }

  // 1. Tasks that left the DAG.
  const gone = [...states.keys()].filter((id) => !dag.task(id) && waiting(id));
  if (gone.length > 0) {
    close.push({
      taskIds: gone,
      state: "skipped",
      reason: "the task is no longer part of the DAG",
    });
    for (const id of gone) states.set(id, "skipped");
  }

  // 2. Failures flow down the graph, in dependency order.
  for (const task of dag.tasks) {
    if (!waiting(task.id)) continue;
    const failed = task.dependsOn.find((dep) => {
      const state = states.get(dep);
      return state !== undefined && BROKEN.has(state);
    });
    if (failed === undefined) continue;
    close.push({
      taskIds: [task.id],
      state: "upstream_failed",
      reason: `upstream task "${failed}" failed`,
    });
    states.set(task.id, "upstream_failed");
  }

  // 3.
  const all = [...states.values()];
  if (all.length === 0 || !all.every((s) => ENDED.has(s))) return { close };
  const final = all.includes("cancelled")
    ? "cancelled"
    : all.some((s) => BROKEN.has(s))
      ? "failed"
      : "success";
  return { close, final };
}
