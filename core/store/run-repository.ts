/**
 * DAG runs and their task instances.
 *
 * Invariants:
 * - A scheduled or backfill run is unique per DAG and data interval, so
 *   `createRun` is idempotent: asking twice returns the first run.
 * - A task instance is started by one worker at a time: `startTask` refuses
 *   a task that is already running.
 * - Each start is a new try (`tryNumber` + 1) with fresh counters; each
 *   finish of a started try is kept in `task_tries`.
 */
import { errorMessage } from "../errors.ts";
import { redact } from "../util/redact.ts";
import { RUN_COLUMNS, TASK_COLUMNS } from "./columns.ts";
import type {
  DagRun,
  RunState,
  RunType,
  TaskCounters,
  TaskInstance,
  TaskState,
} from "./records.ts";
import { StoreError } from "./store-error.ts";
import type { StoreDb } from "./store-db.ts";

export interface NewRun {
  readonly dagId: string;
  readonly runType: RunType;
  readonly logicalDate: Date;
  /** Required for scheduled and backfill runs. */
  readonly dataInterval?: { readonly start: Date; readonly end: Date };
  readonly conf?: Record<string, unknown>;
  /** Create it already running (default: "queued"). */
  readonly state?: "queued" | "running";
}

export interface ListRunsOptions {
  readonly dagId?: string;
  readonly states?: readonly RunState[];
  /** Only runs with a smaller id (paging back in time). */
  readonly beforeId?: number;
  /** (default: 50) */
  readonly limit?: number;
}

export interface StartTask {
  readonly runId: number;
  readonly taskId: string;
  /** Who runs it, e.g. "host:pid". */
  readonly worker?: string;
  readonly maxTries?: number;
}

export interface FinishTask {
  readonly runId: number;
  readonly taskId: string;
  readonly state: Exclude<TaskState, "queued" | "running">;
  /** Why it failed; redacted before it is stored. */
  readonly error?: unknown;
  /** When an `up_for_retry` task may start again. */
  readonly nextTryAt?: Date;
}

export class RunRepository {
  constructor(private readonly db: StoreDb) {}

  /** Creates a run; for an interval that already has one, returns that. */
  async createRun(run: NewRun): Promise<{ run: DagRun; created: boolean }> {
    const start = run.dataInterval?.start ?? null;
    const end = run.dataInterval?.end ?? null;
    const inserted = await this.db.one<DagRun>(
      "creating a run",
      `insert into dag_runs (dag_id, run_type, logical_date,
         data_interval_start, data_interval_end, conf, state, started_at)
       values ($1, $2, $3, $4, $5, $6, $7,
         case when $7 = 'running' then now() end)
       on conflict (dag_id, data_interval_start, data_interval_end)
         where run_type <> 'manual' do nothing
       returning ${RUN_COLUMNS}`,
      [
        run.dagId,
        run.runType,
        run.logicalDate,
        start,
        end,
        run.conf ?? {},
        run.state ?? "queued",
      ],
    );
    if (inserted) return { run: inserted, created: true };

    const existing = await this.db.one<DagRun>(
      "finding a run",
      `select ${RUN_COLUMNS} from dag_runs
        where dag_id = $1 and data_interval_start = $2
          and data_interval_end = $3 and run_type <> 'manual'`,
      [run.dagId, start, end],
    );
    if (!existing) throw new StoreError(`run for ${run.dagId} vanished`);
    return { run: existing, created: false };
  }

  getRun(id: number): Promise<DagRun | undefined> {
    return this.db.one<DagRun>(
      "reading a run",
      `select ${RUN_COLUMNS} from dag_runs where id = $1`,
      [id],
    );
  }

  /** Marks a queued run running (a running one stays as it is). */
  async startRun(id: number): Promise<DagRun> {
    const run = await this.db.one<DagRun>(
      "starting a run",
      `update dag_runs
          set state = 'running', started_at = coalesce(started_at, now())
        where id = $1 and state in ('queued', 'running')
       returning ${RUN_COLUMNS}`,
      [id],
    );
    return run ?? this.#missing(`no queued or running run ${id} to start`);
  }

  async finishRun(id: number, state: "success" | "failed"): Promise<DagRun> {
    const run = await this.db.one<DagRun>(
      "finishing a run",
      `update dag_runs
          set state = $2, ended_at = now(),
              started_at = coalesce(started_at, now())
        where id = $1
       returning ${RUN_COLUMNS}`,
      [id, state],
    );
    return run ?? this.#missing(`no run ${id} to finish`);
  }

  /** Runs, newest first. */
  listRuns(options: ListRunsOptions = {}): Promise<DagRun[]> {
    return this.db.rows<DagRun>(
      "listing runs",
      `select ${RUN_COLUMNS} from dag_runs
        where ($1::text is null or dag_id = $1)
          and ($2::text[] is null or state = any($2))
          and ($3::bigint is null or id < $3)
        order by id desc
        limit $4`,
      [
        options.dagId ?? null,
        options.states ?? null,
        options.beforeId ?? null,
        options.limit ?? 50,
      ],
    );
  }

  /** Records the tasks of a run as queued, so they show before starting. */
  async queueTasks(runId: number, taskIds: readonly string[]): Promise<void> {
    await this.db.rows(
      "queueing tasks",
      `insert into task_instances (run_id, task_id)
       select $1, unnest($2::text[])
       on conflict do nothing`,
      [runId, taskIds],
    );
  }

  /**
   * Starts the next try of a task.
   * @throws StoreError when the task is already running
   */
  async startTask(start: StartTask): Promise<TaskInstance> {
    const task = await this.db.one<TaskInstance>(
      "starting a task",
      `insert into task_instances as t (run_id, task_id, state, try_number,
         max_tries, started_at, heartbeat_at, worker)
       values ($1, $2, 'running', 1, coalesce($4, 1), now(), now(), $3)
       on conflict (run_id, task_id) do update
          set state = 'running', try_number = t.try_number + 1,
              max_tries = coalesce($4, t.max_tries),
              started_at = now(), heartbeat_at = now(), ended_at = null,
              next_try_at = null, worker = $3, rows_read = 0,
              records_sent = 0, records_rejected = 0, error = null,
              error_code = null
        where t.state <> 'running'
       returning ${TASK_COLUMNS}`,
      [start.runId, start.taskId, start.worker ?? null, start.maxTries ?? null],
    );
    if (task) return task;
    throw new StoreError(
      `task "${start.taskId}" of run ${start.runId} is already running; ` +
        `it can start again once it finishes or is marked failed`,
    );
  }

  /** Shows the task's worker is alive. */
  async heartbeat(runId: number, taskId: string): Promise<void> {
    await this.db.rows(
      "recording a heartbeat",
      `update task_instances set heartbeat_at = now()
        where run_id = $1 and task_id = $2 and state = 'running'`,
      [runId, taskId],
    );
  }

  /** Adds to the current try's counters (and beats the heart). */
  async updateTaskCounters(
    runId: number,
    taskId: string,
    delta: Partial<TaskCounters>,
  ): Promise<TaskCounters> {
    const counters = await this.db.one<TaskCounters>(
      "updating task counters",
      `update task_instances
          set rows_read = rows_read + $3, records_sent = records_sent + $4,
              records_rejected = records_rejected + $5, heartbeat_at = now()
        where run_id = $1 and task_id = $2
       returning rows_read as "rowsRead", records_sent as "recordsSent",
                 records_rejected as "recordsRejected"`,
      [
        runId,
        taskId,
        delta.rowsRead ?? 0,
        delta.recordsSent ?? 0,
        delta.recordsRejected ?? 0,
      ],
    );
    return counters ?? this.#missingTask(runId, taskId);
  }

  /** Ends the current try, or marks a task that never started. */
  async finishTask(finish: FinishTask): Promise<TaskInstance> {
    const error =
      finish.error === undefined ? null : redact(errorMessage(finish.error));
    const code = (finish.error as { code?: unknown } | undefined)?.code;
    const task = await this.db.one<TaskInstance>(
      "finishing a task",
      `with done as (
         insert into task_instances as t (run_id, task_id, state, ended_at,
           error, error_code, next_try_at)
         values ($1, $2, $3, now(), $4, $5, $6)
         on conflict (run_id, task_id) do update
            set state = $3, ended_at = now(), error = $4, error_code = $5,
                next_try_at = $6
         returning t.*
       ), kept as (
         insert into task_tries (run_id, task_id, try_number, state,
           started_at, ended_at, worker, rows_read, records_sent,
           records_rejected, error, error_code)
         select run_id, task_id, try_number, state, started_at, ended_at,
                worker, rows_read, records_sent, records_rejected, error,
                error_code
           from done where try_number > 0
         on conflict (run_id, task_id, try_number) do update
            set state = excluded.state, ended_at = excluded.ended_at,
                error = excluded.error, error_code = excluded.error_code
       )
       select ${TASK_COLUMNS} from done`,
      [
        finish.runId,
        finish.taskId,
        finish.state,
        error,
        typeof code === "string" ? code : null,
        finish.nextTryAt ?? null,
      ],
    );
    return task ?? this.#missingTask(finish.runId, finish.taskId);
  }

  listTasks(runId: number): Promise<TaskInstance[]> {
    return this.db.rows<TaskInstance>(
      "listing tasks",
      `select ${TASK_COLUMNS} from task_instances
        where run_id = $1 order by queued_at, task_id`,
      [runId],
    );
  }

  #missing(message: string): never {
    throw new StoreError(message);
  }

  #missingTask(runId: number, taskId: string): never {
    throw new StoreError(`no task "${taskId}" in run ${runId}`);
  }
}
