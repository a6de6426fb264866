/**
 * A worker's claim of the task instance a job names: the same decision the
 * local scheduler makes before it runs a task, taken again at the moment
 * of starting, inside the scheduling lock.
 *
 * Claim rule (a job that fails any step is dropped; the scheduler hands
 * the task out again while it stays ready):
 * 1. The run is running and not being cancelled (a queued job of a
 *    cancelled run is dropped here), and its DAG is not paused.
 * 2. The instance is still at the try before the job's (a job of an older
 *    try, or a duplicate, finds it moved on), and is ready: queued or due
 *    for retry, every dependency succeeded (`isReady`).
 * 3. Its DAG runs fewer than `maxActiveTasks` tasks, and its Mixpanel
 *    connection fewer than its cap, counting every task running anywhere:
 *    the running rows are the semaphore's count and the scheduling lock
 *    its mutex, so the caps hold across any number of workers and
 *    schedulers (and against the local executor too).
 */
import type { DagDefinition } from "../builder/dag-definition.ts";
import { RUN_COLUMNS } from "../store/columns.ts";
import type { DagRun, TaskInstance } from "../store/records.ts";
import type { QueuedTask } from "../scheduler/remote-executor.ts";
import { claim, runningLoad, taskRows } from "../scheduler/task-leases.ts";
import { isReady, poolOf } from "../scheduler/task-picker.ts";
import { rows, withSchedulingLock } from "../scheduler/transaction.ts";
import type pg from "pg";

export type ClaimOutcome =
  | { readonly claimed: true; readonly run: DagRun; instance: TaskInstance }
  | { readonly claimed: false; readonly reason: string };

export interface ClaimRequest {
  readonly job: QueuedTask;
  readonly dag: DagDefinition;
  readonly worker: string;
  /**
   * The time of record. A function is read once the scheduling lock is
   * held, so that the try's start is stamped when it is claimed, not
   * before a wait for the lock (during which other tries may end).
   */
  readonly now: Date | (() => Date);
  /** The cap of a Mixpanel connection's running tasks. */
  readonly poolCap: (pool: string) => number;
}

const refuse = (reason: string): ClaimOutcome => ({ claimed: false, reason });

export function claimJob(
  pool: pg.Pool,
  request: ClaimRequest,
): Promise<ClaimOutcome> {
  const { job, dag, worker } = request;
  return withSchedulingLock(pool, "claiming a queued task", async (client) => {
    const now = typeof request.now === "function" ? request.now() : request.now;
    // 1.
    const [run] = await rows<
      DagRun & { paused: boolean | null; cancelling: boolean }
    >(
      client,
      "reading a run",
      `select ${RUN_COLUMNS},
              (select is_paused from dags d where d.dag_id = r.dag_id)
                as paused,
              r.cancel_requested_at is not null as cancelling
         from dag_runs r where id = $1`,
      [job.runId],
    );
    if (!run) return refuse("the run is gone");
    if (run.state !== "running") return refuse(`the run is ${run.state}`);
    if (run.cancelling) return refuse("the run is being cancelled");
    if (run.paused) return refuse(`DAG "${dag.id}" is paused`);
    const task = dag.task(job.taskId);
    if (!task) return refuse("the task is no longer part of the DAG");

    // 2.
    const instances = await taskRows(client, [run.id]);
    const byTask = new Map(instances.map((r) => [r.taskId, r]));
    const row = byTask.get(task.id);
    if (!row || row.tryNumber + 1 !== job.tryNumber) {
      return refuse(`try ${job.tryNumber} was already taken`);
    }
    if (!isReady(task, byTask, now)) {
      return refuse(`the task is ${row.state}, not ready`);
    }

    // 3.
    const load = await runningLoad(client);
    if ((load.byDag.get(dag.id) ?? 0) >= dag.maxActiveTasks) {
      return refuse(`DAG "${dag.id}" runs maxActiveTasks tasks already`);
    }
    const connection = poolOf(task);
    if (
      connection !== null &&
      (load.byPool.get(connection) ?? 0) >= request.poolCap(connection)
    ) {
      return refuse(`Mixpanel connection "${connection}" is at its cap`);
    }
    const instance = await claim(
      client,
      { runId: run.id, taskId: task.id, pool: connection },
      worker,
      now,
    );
    if (!instance) return refuse(`try ${job.tryNumber} was already taken`);
    const { paused: _paused, cancelling: _cancelling, ...plain } = run;
    return { claimed: true, run: plain, instance };
  });
}
