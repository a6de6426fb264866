/**
 * `backflow worker` processes as the store knows them: each registers at
 * start, beats while it runs, and says when it stops. Liveness is judged
 * on the database's clock, so workers on hosts whose clocks disagree are
 * judged alike.
 *
 * A worker silent past the timeout is marked `lost` by any live worker;
 * the tasks it ran are taken back by the scheduler through their own
 * leases (task-leases.ts), and the jobs it held in the queue are released
 * here, so that nothing waits for the queue's own hours-long lock expiry.
 */
import { rows, type Queryable } from "../scheduler/transaction.ts";

export type WorkerState = "running" | "stopping" | "stopped" | "lost";

export interface WorkerRegistration {
  readonly workerId: string;
  readonly host: string;
  readonly pid: number;
  readonly concurrency: number;
}

/** A task instance a worker runs now. */
export interface WorkerTask {
  readonly runId: number;
  readonly dagId: string;
  readonly taskId: string;
  readonly tryNumber: number;
  readonly startedAt: Date | null;
}

export interface WorkerRecord extends WorkerRegistration {
  readonly state: WorkerState;
  readonly startedAt: Date;
  readonly heartbeatAt: Date;
  readonly stoppedAt: Date | null;
  /** Running or stopping, and heard from within the liveness window. */
  readonly alive: boolean;
  /** Milliseconds since its last heartbeat, on the database's clock. */
  readonly silentMs: number;
  readonly tasks: readonly WorkerTask[];
}

export async function registerWorker(
  db: Queryable,
  worker: WorkerRegistration,
): Promise<void> {
  await rows(
    db,
    "registering a worker",
    `insert into workers (worker_id, host, pid, concurrency)
     values ($1, $2, $3, $4)
     on conflict (worker_id) do update
        set state = 'running', heartbeat_at = now(), stopped_at = null,
            concurrency = excluded.concurrency`,
    [worker.workerId, worker.host, worker.pid, worker.concurrency],
  );
}

/** Records the worker's handle in the job queue (to release its jobs). */
export async function setQueueId(
  db: Queryable,
  workerId: string,
  queueId: string,
): Promise<void> {
  await rows(
    db,
    "recording a worker's queue id",
    `update workers set queue_id = $2 where worker_id = $1`,
    [workerId, queueId],
  );
}

/**
 * Beats the worker's heart; a worker that was marked lost (a long pause)
 * and is still here counts as running again. False when unregistered.
 */
export async function beatWorker(
  db: Queryable,
  workerId: string,
): Promise<boolean> {
  const found = await rows(
    db,
    "beating a worker's heart",
    `update workers
        set heartbeat_at = now(),
            state = case when state = 'lost' then 'running' else state end,
            stopped_at = case when state = 'lost' then null else stopped_at end
      where worker_id = $1 and state <> 'stopped'
     returning 1`,
    [workerId],
  );
  return found.length > 0;
}

export async function setWorkerState(
  db: Queryable,
  workerId: string,
  state: "stopping" | "stopped",
): Promise<void> {
  await rows(
    db,
    "recording a worker's state",
    `update workers
        set state = $2, heartbeat_at = now(),
            stopped_at = case when $2 = 'stopped' then now() end
      where worker_id = $1`,
    [workerId, state],
  );
}

/**
 * Marks workers silent for `timeoutMs` as lost; each is returned to one
 * caller only, with the queue id whose jobs are to be released.
 */
export function markLostWorkers(
  db: Queryable,
  timeoutMs: number,
): Promise<{ workerId: string; queueId: string | null }[]> {
  return rows(
    db,
    "marking lost workers",
    `update workers set state = 'lost', stopped_at = now()
      where state in ('running', 'stopping')
        and heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)
     returning worker_id as "workerId", queue_id as "queueId"`,
    [timeoutMs],
  );
}

export interface ListWorkersOptions {
  /** A worker silent longer than this is not alive (default: 30000 ms). */
  readonly aliveWithinMs?: number;
  /** Stopped and lost workers older than this are left out (default: 1 h). */
  readonly forgetAfterMs?: number;
}

/**
 * The workers the dashboard shows: each with its liveness and the task
 * instances it runs now, live ones first.
 */
export async function listWorkers(
  db: Queryable,
  options: ListWorkersOptions = {},
): Promise<WorkerRecord[]> {
  const found = await rows<
    Omit<WorkerRecord, "tasks"> & { tasks: WorkerTask[] | null }
  >(
    db,
    "listing workers",
    `select w.worker_id as "workerId", w.host, w.pid, w.concurrency,
            w.state, w.started_at as "startedAt",
            w.heartbeat_at as "heartbeatAt", w.stopped_at as "stoppedAt",
            (w.state in ('running', 'stopping')
              and w.heartbeat_at >= now() - make_interval(
                    secs => $1::float8 / 1000)) as alive,
            (extract(epoch from now() - w.heartbeat_at) * 1000)::float8
              as "silentMs",
            (select json_agg(json_build_object(
                      'runId', t.run_id, 'dagId', r.dag_id,
                      'taskId', t.task_id, 'tryNumber', t.try_number,
                      'startedAt', t.started_at)
                    order by t.started_at)
               from task_instances t join dag_runs r on r.id = t.run_id
              where t.state = 'running' and t.worker = w.worker_id) as tasks
       from workers w
      where w.state in ('running', 'stopping')
         or coalesce(w.stopped_at, w.heartbeat_at)
              >= now() - make_interval(secs => $2::float8 / 1000)
      order by alive desc, w.started_at, w.worker_id`,
    [options.aliveWithinMs ?? 30_000, options.forgetAfterMs ?? 3_600_000],
  );
  return found.map((w) => ({
    ...w,
    tasks: (w.tasks ?? []).map((t) => ({
      ...t,
      startedAt: t.startedAt === null ? null : new Date(t.startedAt),
    })),
  }));
}
