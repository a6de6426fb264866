/**
 * Rows that could not be mapped or that Mixpanel refused, with run, task,
 * row key, field and reason, for `backflow rejects` and the dashboard.
 */
import { REJECT_COLUMNS } from "./columns.ts";
import { jsonText } from "./json-text.ts";
import type { RejectSource, RejectedRow } from "./records.ts";
import type { StoreDb } from "./store-db.ts";

export interface NewRejectedRow {
  readonly runId: number;
  readonly taskId: string;
  readonly tryNumber?: number;
  readonly source: RejectSource;
  readonly rowKey?: string;
  readonly field?: string;
  readonly reason: string;
  /** A short extract of the row or record (keep it small). */
  readonly excerpt?: unknown;
}

export interface ListRejectsOptions {
  readonly taskId?: string;
  /** (default: 100) */
  readonly limit?: number;
}

export class RejectRepository {
  constructor(private readonly db: StoreDb) {}

  async add(rows: readonly NewRejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const records = rows.map((r) => ({
      run_id: r.runId,
      task_id: r.taskId,
      try_number: r.tryNumber ?? null,
      source: r.source,
      row_key: r.rowKey ?? null,
      field: r.field ?? null,
      reason: r.reason,
      excerpt: r.excerpt ?? null,
    }));
    await this.db.rows(
      "recording rejected rows",
      `insert into rejected_rows (run_id, task_id, try_number, source,
         row_key, field, reason, excerpt)
       select * from jsonb_to_recordset($1::jsonb) as x(run_id bigint,
         task_id text, try_number integer, source text, row_key text,
         field text, reason text, excerpt jsonb)`,
      [jsonText(records)],
    );
  }

  list(
    runId: number,
    options: ListRejectsOptions = {},
  ): Promise<RejectedRow[]> {
    return this.db.rows<RejectedRow>(
      "reading rejected rows",
      `select ${REJECT_COLUMNS} from rejected_rows
        where run_id = $1 and ($2::text is null or task_id = $2)
        order by id limit $3`,
      [runId, options.taskId ?? null, options.limit ?? 100],
    );
  }

  /** Rejections per task of a run. */
  async countByTask(runId: number): Promise<Record<string, number>> {
    const rows = await this.db.rows<{ taskId: string; n: number }>(
      "counting rejected rows",
      `select task_id as "taskId", count(*)::int as n from rejected_rows
        where run_id = $1 group by task_id`,
      [runId],
    );
    return Object.fromEntries(rows.map((r) => [r.taskId, r.n]));
  }
}
