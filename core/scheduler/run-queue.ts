/**
 * DAG runs as the scheduler moves them: created (idempotently, per data
 * interval), started within `maxActiveRuns`, skipped, finished.
 *
 * Invariants:
 * - A scheduled or backfill run is unique per DAG and data interval (the
 *   store's unique index), so two schedulers creating the same interval
 *   make one run; a manual run is never part of that key, so it neither
 *   blocks nor duplicates a scheduled one (apache/airflow#41208).
 * - Only one scheduler at a time decides which queued runs start (the
 *   scheduling lock), so `maxActiveRuns` holds across processes. Manual
 *   runs do not count against it.
 * - A run is finished by exactly one process: the update that moves it
 *   out of `running` returns it to one caller only, which then notifies.
 * - A queued run that `backflow cancel` ended is never started: starting
 *   is conditional on `queued` (run-cancel.ts).
 */
import type pg from "pg";

import type { OverlapPolicy } from "../builder/dag-options.ts";
import { RUN_COLUMNS } from "../store/columns.ts";
import type { DagRun, RunType } from "../store/records.ts";
import type { DataInterval } from "./cron-schedule.ts";
import { rows, type Queryable } from "./transaction.ts";

/** What starting runs needs to know about a DAG. */
export interface RunPlan {
  readonly dagId: string;
  readonly maxActiveRuns: number;
  readonly overlap: OverlapPolicy;
  readonly taskIds: readonly string[];
  /** `max_tries` of each new task instance. */
  readonly maxTries: number;
}

export interface StartedRuns {
  readonly started: DagRun[];
  readonly skipped: DagRun[];
}

/** End of each DAG's last scheduled interval: the catch-up cursor. */
export async function cursors(
  db: Queryable,
  dagIds: readonly string[],
): Promise<Map<string, Date>> {
  const found = await rows<{ dagId: string; end: Date }>(
    db,
    "reading schedule cursors",
    `select dag_id as "dagId", max(data_interval_end) as "end"
       from dag_runs
      where run_type = 'scheduled' and dag_id = any($1::text[])
      group by dag_id`,
    [dagIds],
  );
  return new Map(found.map((r) => [r.dagId, r.end]));
}

/** Creates queued runs for intervals that have none; returns the new ones. */
export function createRuns(
  db: Queryable,
  dagId: string,
  runType: Exclude<RunType, "manual">,
  intervals: readonly DataInterval[],
  now: Date,
): Promise<DagRun[]> {
  if (intervals.length === 0) return Promise.resolve([]);
  return rows<DagRun>(
    db,
    "creating runs",
    `insert into dag_runs (dag_id, run_type, logical_date,
       data_interval_start, data_interval_end, queued_at)
     select $1, $2, i.s, i.s, i.e, $5
       from unnest($3::timestamptz[], $4::timestamptz[]) with ordinality
            as i(s, e, n)
      order by i.n
     on conflict (dag_id, data_interval_start, data_interval_end)
        where run_type <> 'manual' do nothing
     returning ${RUN_COLUMNS}`,
    [
      dagId,
      runType,
      intervals.map((i) => i.start),
      intervals.map((i) => i.end),
      now,
    ],
  );
}

/** The runs (of any type) that already cover these exact intervals. */
export function existingRuns(
  db: Queryable,
  dagId: string,
  intervals: readonly DataInterval[],
): Promise<DagRun[]> {
  return rows<DagRun>(
    db,
    "finding runs",
    `select ${RUN_COLUMNS} from dag_runs
      where dag_id = $1 and run_type <> 'manual'
        and (data_interval_start, data_interval_end) in (
          select * from unnest($2::timestamptz[], $3::timestamptz[]))`,
    [dagId, intervals.map((i) => i.start), intervals.map((i) => i.end)],
  );
}

/** A manual run: its own row, whatever else covers its interval. */
export async function createManualRun(
  db: Queryable,
  dagId: string,
  interval: DataInterval,
  now: Date,
): Promise<DagRun> {
  const [run] = await rows<DagRun>(
    db,
    "creating a manual run",
    `insert into dag_runs (dag_id, run_type, logical_date,
       data_interval_start, data_interval_end, queued_at)
     values ($1, 'manual', $2, $2, $3, $4)
     returning ${RUN_COLUMNS}`,
    [dagId, interval.start, interval.end, now],
  );
  return run!;
}

/**
 * Starts queued runs (call inside the scheduling lock).
 *
 * Start rule, per DAG:
 * 1. Manual runs start at once.
 * 2. Scheduled and backfill runs start oldest logical date first while
 *    fewer than `maxActiveRuns` of them are running.
 * 3. Under overlap "skip", a scheduled run that finds no free slot is
 *    marked skipped; under "queue" (and for backfill runs) it waits.
 * 4. A started run gets one queued task instance per task.
 */
export async function startRuns(
  client: pg.PoolClient,
  plans: readonly RunPlan[],
  now: Date,
): Promise<StartedRuns> {
  if (plans.length === 0) return { started: [], skipped: [] };
  const active = await rows<DagRun>(
    client,
    "reading active runs",
    `select ${RUN_COLUMNS} from dag_runs
      where dag_id = any($1::text[]) and state in ('queued', 'running')
      order by logical_date, id`,
    [plans.map((p) => p.dagId)],
  );
  const byDag = new Map<string, DagRun[]>();
  for (const run of active) {
    byDag.set(run.dagId, [...(byDag.get(run.dagId) ?? []), run]);
  }
  const toStart: { run: DagRun; plan: RunPlan }[] = [];
  const toSkip: DagRun[] = [];
  for (const plan of plans) {
    const runs = byDag.get(plan.dagId) ?? [];
    let running = runs.filter(
      (r) => r.state === "running" && r.runType !== "manual",
    ).length;
    for (const run of runs.filter((r) => r.state === "queued")) {
      if (run.runType === "manual") {
        toStart.push({ run, plan });
      } else if (running < plan.maxActiveRuns) {
        toStart.push({ run, plan });
        running += 1;
      } else if (plan.overlap === "skip" && run.runType === "scheduled") {
        toSkip.push(run);
      }
    }
  }

  const started: DagRun[] = [];
  for (const { run, plan } of toStart) {
    const [row] = await rows<DagRun>(
      client,
      "starting a run",
      `update dag_runs set state = 'running', started_at = $2
        where id = $1 and state = 'queued'
       returning ${RUN_COLUMNS}`,
      [run.id, now],
    );
    if (!row) continue;
    await rows(
      client,
      "queueing tasks",
      `insert into task_instances (run_id, task_id, max_tries, queued_at)
       select $1, unnest($2::text[]), $3, $4
       on conflict do nothing`,
      [run.id, plan.taskIds, plan.maxTries, now],
    );
    started.push(row);
  }
  const skipped = toSkip.length
    ? await rows<DagRun>(
        client,
        "skipping runs",
        `update dag_runs set state = 'skipped', ended_at = $2
          where id = any($1::bigint[]) and state = 'queued'
         returning ${RUN_COLUMNS}`,
        [toSkip.map((r) => r.id), now],
      )
    : [];
  return { started, skipped };
}

/**
 * Running runs of these DAGs; with `claimable`, only those whose tasks may
 * still start (not being cancelled, run-cancel.ts).
 */
export function runningRuns(
  db: Queryable,
  dagIds: readonly string[],
  claimable = false,
): Promise<DagRun[]> {
  return rows<DagRun>(
    db,
    "reading running runs",
    `select ${RUN_COLUMNS} from dag_runs
      where state = 'running' and dag_id = any($1::text[])
        and (not $2::boolean or cancel_requested_at is null)
      order by logical_date, id`,
    [dagIds, claimable],
  );
}

/** Ends a running run; undefined when another process already did. */
export async function finishRun(
  db: Queryable,
  runId: number,
  state: "success" | "failed" | "cancelled",
  now: Date,
): Promise<DagRun | undefined> {
  const [run] = await rows<DagRun>(
    db,
    "finishing a run",
    `update dag_runs set state = $2, ended_at = $3
      where id = $1 and state = 'running'
     returning ${RUN_COLUMNS}`,
    [runId, state, now],
  );
  return run;
}

/** How the DAG's previous finished run ended, before `runId`. */
export async function previousOutcome(
  db: Queryable,
  dagId: string,
  runId: number,
): Promise<"success" | "failed" | undefined> {
  const [row] = await rows<{ state: "success" | "failed" }>(
    db,
    "reading the previous run",
    `select state from dag_runs
      where dag_id = $1 and id <> $2 and state in ('success', 'failed')
      order by ended_at desc nulls last, id desc
      limit 1`,
    [dagId, runId],
  );
  return row?.state;
}
