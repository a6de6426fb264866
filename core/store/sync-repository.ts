/**
 * What the sync engines remember between runs, per DAG and task:
 * checkpoints, the ledger of acknowledged keys inside a look-back window,
 * profile hashes with the property sets they were sent with, and the open
 * (not yet cleared) rejected rows.
 *
 * Every write is one statement, so it is atomic without a transaction
 * block: a checkpoint never lands without the ledger rows it relies on.
 */
import { to as copyTo } from "pg-copy-streams";
import { copyLines, unescapeCopyValue } from "./copy-text.ts";
import { jsonText } from "./json-text.ts";
import type { RejectSource } from "./records.ts";
import { toStoreError } from "./store-error.ts";
import type { StoreDb } from "./store-db.ts";

/** An acknowledged row inside the look-back window of a cursor task. */
export interface LedgerEntry {
  readonly key: string;
  /** The row's cursor in microseconds since the epoch. */
  readonly cursorUs: number;
}

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

/** A profile's state as acknowledged by Mixpanel. */
export interface ProfileHashEntry {
  readonly key: string;
  /** 48 bits of the canonical update's hash. */
  readonly hash: number;
  /** 48-bit hash of the property names the profile was last sent with. */
  readonly propsKey: number;
}

export interface PropertySet {
  readonly propsKey: number;
  readonly names: readonly string[];
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

/** What `reset` removed. */
export interface ResetCounts {
  checkpoints: number;
  ledger: number;
  profiles: number;
  rejections: number;
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

// 48-bit numbers are stored as 6 big-endian bytes.
const SAVE_HASHES = `
with sets as (
  insert into profile_property_sets (dag_id, task_id, props_key, names)
  select $1, $2, decode(lpad(to_hex(k), 12, '0'), 'hex'), n
    from jsonb_to_recordset($6::jsonb) as s(k int8, n text[])
  on conflict do nothing
)
insert into profile_hashes as h (dag_id, task_id, profile_id, hash,
  props_key, updated_at)
select $1, $2, k, decode(lpad(to_hex(v), 12, '0'), 'hex'),
       decode(lpad(to_hex(p), 12, '0'), 'hex'), now()
  from unnest($3::text[], $4::int8[], $5::int8[]) as u(k, v, p)
on conflict (dag_id, task_id, profile_id)
  do update set hash = excluded.hash, props_key = excluded.props_key,
                updated_at = excluded.updated_at`;

/** A SQL string literal (COPY takes no bound parameters). */
function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export class SyncRepository {
  constructor(private readonly db: StoreDb) {}

  async checkpoint(dagId: string, taskId: string): Promise<unknown> {
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
  async clearCheckpoint(dagId: string, taskId: string): Promise<void> {
    await this.db.rows(
      "clearing a checkpoint",
      `with l as (
         delete from sync_ledger where dag_id = $1 and task_id = $2
       )
       delete from checkpoints where dag_id = $1 and task_id = $2`,
      [dagId, taskId],
    );
  }

  /** The newest open rejection per row key (rows without a key left out). */
  openRejections(dagId: string, taskId: string): Promise<OpenRejection[]> {
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
  async recordRejections(
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

  async clearRejections(
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
  async clearEarlierRejections(
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
  listRejections(
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
  async countOpenRejections(dagId: string): Promise<Record<string, number>> {
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

  /**
   * Every stored profile hash of a task, read with COPY: a million
   * entries cost one streamed result, not a million row objects.
   * @param onEntry gets each profile id with its 48-bit hash (NaN once
   *   invalidated)
   * @returns how many there were
   */
  async loadHashes(
    dagId: string,
    taskId: string,
    onEntry: (key: string, hash: number) => void,
  ): Promise<number> {
    let count = 0;
    const client = await this.db.pool.connect().catch((error: unknown) => {
      throw toStoreError(error, "connecting");
    });
    let broken = false;
    try {
      const copy = client.query(
        copyTo(
          `copy (select profile_id, encode(hash, 'hex') from profile_hashes
                  where dag_id = ${literal(dagId)}
                    and task_id = ${literal(taskId)}) to stdout`,
        ),
      );
      for await (const lines of copyLines(copy)) {
        for (const line of lines) {
          const tab = line.indexOf("\t");
          if (tab < 0) continue;
          const key = unescapeCopyValue(line.slice(0, tab));
          onEntry(key, hexHash(line.slice(tab + 1)));
          count++;
        }
      }
      return count;
    } catch (error) {
      broken = true;
      throw toStoreError(error, "loading profile hashes");
    } finally {
      client.release(broken);
    }
  }

  async lookupHashes(
    dagId: string,
    taskId: string,
    keys: readonly string[],
  ): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.rows<{ k: string; h: string }>(
      "reading profile hashes",
      `select profile_id as k, encode(hash, 'hex') as h from profile_hashes
        where dag_id = $1 and task_id = $2 and profile_id = any($3::text[])`,
      [dagId, taskId, keys],
    );
    return new Map(rows.map((r) => [r.k, hexHash(r.h)]));
  }

  /** The property names each profile was last acknowledged with. */
  async sentProperties(
    dagId: string,
    taskId: string,
    keys: readonly string[],
  ): Promise<Map<string, readonly string[]>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.rows<{ k: string; names: string[] }>(
      "reading sent property sets",
      `select h.profile_id as k, s.names
         from profile_hashes h
         join profile_property_sets s
           on s.dag_id = h.dag_id and s.task_id = h.task_id
          and s.props_key = h.props_key
        where h.dag_id = $1 and h.task_id = $2
          and h.profile_id = any($3::text[])`,
      [dagId, taskId, keys],
    );
    return new Map(rows.map((r) => [r.k, r.names]));
  }

  async saveHashes(
    dagId: string,
    taskId: string,
    entries: readonly ProfileHashEntry[],
    sets: readonly PropertySet[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const latest = new Map(entries.map((e) => [e.key, e]));
    const list = [...latest.values()];
    await this.db.rows("saving profile hashes", SAVE_HASHES, [
      dagId,
      taskId,
      list.map((e) => e.key),
      list.map((e) => e.hash),
      list.map((e) => e.propsKey),
      JSON.stringify(sets.map((s) => ({ k: s.propsKey, n: s.names }))),
    ]);
  }

  async deleteHashes(
    dagId: string,
    taskId: string,
    keys: readonly string[],
  ): Promise<void> {
    if (keys.length === 0) return;
    await this.db.rows(
      "deleting profile hashes",
      `delete from profile_hashes
        where dag_id = $1 and task_id = $2 and profile_id = any($3::text[])`,
      [dagId, taskId, keys],
    );
  }

  /**
   * Makes every stored profile look changed (a full refresh) while keeping
   * the keys, so mirror mode still sees deletions and NULLs still unset.
   */
  async invalidateHashes(dagId: string, taskId: string): Promise<void> {
    await this.db.rows(
      "invalidating profile hashes",
      `update profile_hashes set hash = '\\x'::bytea
        where dag_id = $1 and task_id = $2`,
      [dagId, taskId],
    );
  }

  /** Forgets everything a task remembers; open rejections are cleared. */
  async resetTask(
    dagId: string,
    taskId: string,
    runId: number | null = null,
  ): Promise<ResetCounts> {
    const [row] = await this.db.rows<ResetCounts>(
      "resetting a task",
      `with c as (
         delete from checkpoints where dag_id = $1 and task_id = $2
         returning 1
       ), l as (
         delete from sync_ledger where dag_id = $1 and task_id = $2
         returning 1
       ), h as (
         delete from profile_hashes where dag_id = $1 and task_id = $2
         returning 1
       ), s as (
         delete from profile_property_sets
          where dag_id = $1 and task_id = $2
       ), r as (
         update rejected_rows x
            set cleared_at = now(), clear_reason = 'reset',
                cleared_by_run = $3
           from dag_runs d
          where d.id = x.run_id and d.dag_id = $1 and x.task_id = $2
            and x.cleared_at is null
         returning 1
       )
       select (select count(*) from c)::int as checkpoints,
              (select count(*) from l)::int as ledger,
              (select count(*) from h)::int as profiles,
              (select count(*) from r)::int as rejections`,
      [dagId, taskId, runId],
    );
    return row!;
  }
}

/** 48 bits of a hex hash as an exact number; NaN for an empty hash. */
export function hexHash(hex: string): number {
  return hex.length === 0 ? Number.NaN : parseInt(hex.slice(0, 12), 16);
}
