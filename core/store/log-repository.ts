/**
 * The run log the dashboard reads: one typed event per row, scoped by run
 * and task. Fields are stored as jsonb with secrets masked.
 */
import { LOG_COLUMNS } from "./columns.ts";
import { jsonText } from "./json-text.ts";
import type { LogEntry, LogLevel } from "./records.ts";
import type { StoreDb } from "./store-db.ts";

export interface NewLogEntry {
  readonly runId: number;
  readonly taskId?: string;
  readonly tryNumber?: number;
  readonly level: LogLevel;
  readonly event: string;
  readonly fields?: Record<string, unknown>;
  /** (default: now) */
  readonly ts?: Date;
}

export interface ListLogOptions {
  readonly taskId?: string;
  /** Only entries after this id (to follow a live run). */
  readonly afterId?: number;
  /** (default: 500) */
  readonly limit?: number;
}

export class LogRepository {
  constructor(private readonly db: StoreDb) {}

  /** Appends entries in one statement. */
  async append(entries: NewLogEntry | readonly NewLogEntry[]): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries as NewLogEntry];
    if (list.length === 0) return;
    const rows = list.map((e) => ({
      run_id: e.runId,
      task_id: e.taskId ?? null,
      try_number: e.tryNumber ?? null,
      ts: (e.ts ?? new Date()).toISOString(),
      level: e.level,
      event: e.event,
      fields: e.fields ?? {},
    }));
    await this.db.rows(
      "appending to the run log",
      `insert into run_log (run_id, task_id, try_number, ts, level, event,
         fields)
       select run_id, task_id, try_number, ts, level, event, fields
         from jsonb_to_recordset($1::jsonb) as x(run_id bigint, task_id text,
           try_number integer, ts timestamptz, level text, event text,
           fields jsonb)`,
      [jsonText(rows)],
    );
  }

  /** A run's entries, oldest first. */
  list(runId: number, options: ListLogOptions = {}): Promise<LogEntry[]> {
    return this.db.rows<LogEntry>(
      "reading the run log",
      `select ${LOG_COLUMNS} from run_log
        where run_id = $1 and ($2::text is null or task_id = $2)
          and id > $3
        order by id limit $4`,
      [
        runId,
        options.taskId ?? null,
        options.afterId ?? 0,
        options.limit ?? 500,
      ],
    );
  }
}
