/**
 * The DAG list: every active DAG the compiler published, its newest run,
 * and the import errors of every pipelines folder. Three small queries,
 * cheap enough to repeat every half second.
 */
import { listWorkers } from "../executor/worker-registry.ts";
import { rows, type Queryable } from "../scheduler/transaction.ts";
import type { RunBrief, DagSummary, Overview } from "./dashboard-records.ts";
import { nextRunOf } from "./next-run.ts";

interface DagRow {
  dagId: string;
  schedule: string | null;
  timezone: string;
  isPaused: boolean;
  description: string | null;
  startDate: string | null;
  taskCount: number;
  writes: string[];
  activeRuns: number;
  lastRun:
    | (Omit<RunBrief, "logicalDate" | "startedAt" | "endedAt"> & {
        logicalDate: string;
        startedAt: string | null;
        endedAt: string | null;
      })
    | null;
}

// The newest run comes back as json: its timestamps are ISO text.
const DAGS = `
select d.dag_id as "dagId", d.schedule, d.timezone, d.is_paused as "isPaused",
       d.serialized->>'description' as description,
       d.serialized->>'startDate' as "startDate",
       coalesce(jsonb_array_length(d.serialized->'tasks'), 0) as "taskCount",
       coalesce((select jsonb_agg(t->>'id')
                   from jsonb_array_elements(d.serialized->'tasks') t
                  where t->>'writes' = 'true'), '[]') as "writes",
       (select count(*)::int from dag_runs a
         where a.dag_id = d.dag_id
           and a.state in ('queued', 'running')) as "activeRuns",
       (select json_build_object('id', r.id, 'runType', r.run_type,
                 'state', r.state, 'logicalDate', r.logical_date,
                 'startedAt', r.started_at, 'endedAt', r.ended_at)
          from dag_runs r where r.dag_id = d.dag_id
         order by r.id desc limit 1) as "lastRun"
  from dags d
 where case when $1::text is null then d.is_active else d.dag_id = $1 end
   and ($2::text is null or d.pipelines_dir = $2)
 order by d.dag_id`;

const IMPORT_ERRORS = `
select pipelines_dir as "pipelinesDir", file_path as "file", message,
       recorded_at as "recordedAt"
  from import_errors
 where $1::text is null or pipelines_dir = $1
 order by pipelines_dir, file_path`;

const date = (text: string | null) => (text === null ? null : new Date(text));

/** The database's clock. */
export async function readClock(db: Queryable): Promise<Date> {
  const [row] = await rows<{ now: Date }>(
    db,
    "reading the clock",
    "select clock_timestamp() as now",
  );
  return row!.now;
}

function summary(row: DagRow, readAt: Date): DagSummary {
  const next = row.isPaused
    ? { at: null, error: null }
    : nextRunOf(row.schedule, row.timezone, row.startDate, readAt);
  const last = row.lastRun;
  return {
    dagId: row.dagId,
    schedule: row.schedule,
    timezone: row.timezone,
    isPaused: row.isPaused,
    description: row.description,
    taskCount: row.taskCount,
    writes: row.writes,
    nextRunAt: next.at,
    scheduleError: next.error,
    activeRuns: row.activeRuns,
    lastRun: last && {
      ...last,
      logicalDate: new Date(last.logicalDate),
      startedAt: date(last.startedAt),
      endedAt: date(last.endedAt),
    },
  };
}

export interface DagFilter {
  /** This DAG only, active or not. */
  readonly dagId?: string;
  /** Only what was compiled from this folder (an absolute path). */
  readonly pipelinesDir?: string;
}

/** Active DAGs as of the database's clock. */
export async function readDagSummaries(
  db: Queryable,
  readAt: Date,
  filter: DagFilter = {},
): Promise<DagSummary[]> {
  const found = await rows<DagRow>(db, "listing DAGs for the dashboard", DAGS, [
    filter.dagId ?? null,
    filter.pipelinesDir ?? null,
  ]);
  return found.map((row) => summary(row, readAt));
}

export async function readOverview(
  db: Queryable,
  filter: Pick<DagFilter, "pipelinesDir"> = {},
): Promise<Overview> {
  const readAt = await readClock(db);
  const [dags, importErrors, workers] = await Promise.all([
    readDagSummaries(db, readAt, filter),
    rows<Overview["importErrors"][number]>(
      db,
      "listing import errors",
      IMPORT_ERRORS,
      [filter.pipelinesDir ?? null],
    ),
    listWorkers(db),
  ]);
  return { readAt, dags, importErrors, workers };
}
