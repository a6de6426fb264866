/**
 * The life of a rejected row after it is stored: open until its row is
 * delivered, rejected anew (superseded), gone from the source, re-judged by
 * a complete read, or reset. Open rejections are what every run retries.
 */
import { jsonText } from "./json-text.ts";
import type { RejectSource } from "./records.ts";
import type { StoreDb } from "./store-db.ts";

/** A rejection still waiting for its row to be fixed. */
export interface OpenRejection {
  readonly rowKey: string;
  readonly runId: number;
  /** The data interval of the run that rejected it (null for none). */
  readonly intervalStart: Date | null;
  readonly intervalEnd: Date | null;
}

export type ClearReason =
  "delivered" | "superseded" | "gone" | "rejudged" | "reset";

export interface NewRejection {
  readonly source: RejectSource;
  readonly rowKey?: string | null;
  readonly field?: string;
  readonly reason: string;
  readonly excerpt?: unknown;
}

export interface OpenRejectionRow {
  readonly id: number;
  readonly runId: number;
  readonly taskId: string;
  readonly source: RejectSource;
  readonly rowKey: string | null;
  readonly field: string | null;
  readonly reason: string;
  readonly excerpt: unknown;
  readonly recordedAt: Date;
  readonly clearedAt: Date | null;
  readonly clearReason: ClearReason | null;
}

export interface ListOpenOptions {
  readonly taskId?: string;
  /** Include cleared rejections too (default: false). */
  readonly all?: boolean;
  /** (default: 100) */
  readonly limit?: number;
}

const RECORD_REJECTIONS = `
with added as (
  insert into rejected_rows (run_id, task_id, source, row_key, field,
    reason, excerpt)
  select $1, $2, source, row_key, field, reason, excerpt
    from jsonb_to_recordset($3::jsonb) as x(source text, row_key text,
      field text, reason text, excerpt jsonb)
  returning row_key
)
update rejected_rows r
   set cleared_at = now(), clear_reason = 'superseded', cleared_by_run = $1
  from dag_runs d
 where d.id = r.run_id
   and d.dag_id = (select dag_id from dag_runs where id = $1)
   and r.task_id = $2 and r.cleared_at is null
   and r.row_key in (select row_key from added where row_key is not null)`;

export class OpenRejectionRepository {
  constructor(private readonly db: StoreDb) {}

  /** The newest open rejection per row key (rows without a key left out). */
  open(dagId: string, taskId: string): Promise<OpenRejection[]> {
    return this.db.rows<OpenRejection>(
      "reading open rejections",
      `select distinct on (r.row_key) r.row_key as "rowKey",
              r.run_id as "runId",
              d.data_interval_start as "intervalStart",
              d.data_interval_end as "intervalEnd"
         from rejected_rows r join dag_runs d on d.id = r.run_id
        where d.dag_id = $1 and r.task_id = $2 and r.cleared_at is null
          and r.row_key is not null
        order by r.row_key, r.id desc`,
      [dagId, taskId],
    );
  }

  /** Inserts rejections and supersedes older open ones of the same keys. */
  async record(
    runId: number,
    taskId: string,
    rows: readonly NewRejection[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map((r) => ({
      source: r.source,
      row_key: r.rowKey ?? null,
      field: r.field ?? null,
      reason: r.reason,
      excerpt: r.excerpt ?? null,
    }));
    await this.db.rows("recording rejected rows", RECORD_REJECTIONS, [
      runId,
      taskId,
      jsonText(records),
    ]);
  }

  async clear(
    dagId: string,
    taskId: string,
    keys: readonly string[],
    reason: ClearReason,
    runId: number | null,
  ): Promise<void> {
    if (keys.length === 0) return;
    await this.db.rows(
      "clearing rejections",
      `update rejected_rows r
          set cleared_at = now(), clear_reason = $4, cleared_by_run = $5
         from dag_runs d
        where d.id = r.run_id and d.dag_id = $1 and r.task_id = $2
          and r.cleared_at is null and r.row_key = any($3::text[])`,
      [dagId, taskId, keys, reason, runId],
    );
  }

  /** Clears every open rejection of runs other than `runId`. */
  async clearEarlier(
    dagId: string,
    taskId: string,
    runId: number,
  ): Promise<void> {
    await this.db.rows(
      "clearing re-judged rejections",
      `update rejected_rows r
          set cleared_at = now(), clear_reason = 'rejudged',
              cleared_by_run = $3
         from dag_runs d
        where d.id = r.run_id and d.dag_id = $1 and r.task_id = $2
          and r.cleared_at is null and r.run_id <> $3`,
      [dagId, taskId, runId],
    );
  }

  /** Rejections of a DAG, newest first: open ones only unless `all`. */
  list(
    dagId: string,
    options: ListOpenOptions = {},
  ): Promise<OpenRejectionRow[]> {
    return this.db.rows<OpenRejectionRow>(
      "listing rejected rows",
      `select r.id, r.run_id as "runId", r.task_id as "taskId", r.source,
              r.row_key as "rowKey", r.field, r.reason, r.excerpt,
              r.recorded_at as "recordedAt", r.cleared_at as "clearedAt",
              r.clear_reason as "clearReason"
         from rejected_rows r join dag_runs d on d.id = r.run_id
        where d.dag_id = $1 and ($2::text is null or r.task_id = $2)
          and ($3 or r.cleared_at is null)
        order by r.id desc
        limit $4`,
      [
        dagId,
        options.taskId ?? null,
        options.all === true,
        options.limit ?? 100,
      ],
    );
  }

  /** Open rejections per task of a DAG. */
  async countOpen(dagId: string): Promise<Record<string, number>> {
    const rows = await this.db.rows<{ taskId: string; n: number }>(
      "counting open rejections",
      `select r.task_id as "taskId", count(*)::int as n
         from rejected_rows r join dag_runs d on d.id = r.run_id
        where d.dag_id = $1 and r.cleared_at is null
        group by r.task_id`,
      [dagId],
    );
    return Object.fromEntries(rows.map((r) => [r.taskId, r.n]));
  }
}
