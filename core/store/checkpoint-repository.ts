/**
 * Where keyed sync tasks stand: their checkpoints, and the ledger of keys
 * acknowledged inside a look-back window (so that a window read again does
 * not send them again).
 *
 * A checkpoint is written in one statement with the ledger entries it
 * relies on, so it never lands without them.
 */
import { jsonText } from "./json-text.ts";
import type { StoreDb } from "./store-db.ts";

/** An acknowledged row inside the look-back window of a cursor task. */
export interface LedgerEntry {
  readonly key: string;
  /** The row's cursor in microseconds since the epoch. */
  readonly cursorUs: number;
}

const SAVE_PROGRESS = `
with ledger as (
  insert into sync_ledger as l (dag_id, task_id, row_key, cursor_us)
  select $1, $2, k, u from unnest($3::text[], $4::int8[]) as x(k, u)
  on conflict (dag_id, task_id, row_key)
    do update set cursor_us = greatest(l.cursor_us, excluded.cursor_us)
)
insert into checkpoints (dag_id, task_id, value, run_id, updated_at)
select $1, $2, $5::jsonb, (select id from dag_runs where id = $6), now()
 where $5::jsonb is not null
on conflict (dag_id, task_id)
  do update set value = excluded.value, run_id = excluded.run_id,
                updated_at = excluded.updated_at`;

export class CheckpointRepository {
  constructor(private readonly db: StoreDb) {}

  async get(dagId: string, taskId: string): Promise<unknown> {
    const row = await this.db.one<{ value: unknown }>(
      "reading a checkpoint",
      "select value from checkpoints where dag_id = $1 and task_id = $2",
      [dagId, taskId],
    );
    return row?.value;
  }

  /**
   * Adds ledger entries and moves the checkpoint, in one statement.
   * @param checkpoint the new value, or undefined to keep the old one
   */
  async saveProgress(
    dagId: string,
    taskId: string,
    runId: number | null,
    checkpoint: unknown,
    ledger: readonly LedgerEntry[],
  ): Promise<void> {
    // ON CONFLICT may touch a row once per statement: one entry per key.
    const latest = new Map<string, number>();
    for (const { key, cursorUs } of ledger) {
      const known = latest.get(key);
      if (known === undefined || cursorUs > known) latest.set(key, cursorUs);
    }
    await this.db.rows("saving a checkpoint", SAVE_PROGRESS, [
      dagId,
      taskId,
      [...latest.keys()],
      [...latest.values()],
      checkpoint === undefined ? null : jsonText(checkpoint),
      runId,
    ]);
  }

  async ledgerKeys(
    dagId: string,
    taskId: string,
    fromUs: number,
  ): Promise<Set<string>> {
    const rows = await this.db.rows<{ k: string }>(
      "reading the sync ledger",
      `select row_key as k from sync_ledger
        where dag_id = $1 and task_id = $2 and cursor_us >= $3`,
      [dagId, taskId, fromUs],
    );
    return new Set(rows.map((r) => r.k));
  }

  async pruneLedger(dagId: string, taskId: string, beforeUs: number) {
    await this.db.rows(
      "pruning the sync ledger",
      `delete from sync_ledger
        where dag_id = $1 and task_id = $2 and cursor_us < $3`,
      [dagId, taskId, beforeUs],
    );
  }

  /** Forgets where a cursor or interval task stands. */
  async clear(dagId: string, taskId: string): Promise<void> {
    await this.db.rows(
      "clearing a checkpoint",
      `with l as (
         delete from sync_ledger where dag_id = $1 and task_id = $2
       )
       delete from checkpoints where dag_id = $1 and task_id = $2`,
      [dagId, taskId],
    );
  }
}
