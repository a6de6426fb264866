/**
 * Profile hashes as Mixpanel last acknowledged them, per task, with the
 * property sets they were sent with (to know what a NULL may unset). Bulk
 * reads go through COPY; writes are batched upserts, one per
 * acknowledgement.
 */
import { to as copyTo } from "pg-copy-streams";
import { copyLines, unescapeCopyValue } from "./copy-text.ts";
import { toStoreError } from "./store-error.ts";
import type { StoreDb } from "./store-db.ts";

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

export class ProfileHashRepository {
  constructor(private readonly db: StoreDb) {}

  /**
   * Every stored profile hash of a task, read with COPY: a million
   * entries cost one streamed result, not a million row objects.
   * @param onEntry gets each profile id with its 48-bit hash (NaN once
   *   invalidated)
   * @returns how many there were
   */
  async load(
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

  async lookup(
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

  async save(
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

  async remove(
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
  async invalidate(dagId: string, taskId: string): Promise<void> {
    await this.db.rows(
      "invalidating profile hashes",
      `update profile_hashes set hash = '\\x'::bytea
        where dag_id = $1 and task_id = $2`,
      [dagId, taskId],
    );
  }
}

/** 48 bits of a hex hash as an exact number; NaN for an empty hash. */
export function hexHash(hex: string): number {
  return hex.length === 0 ? Number.NaN : parseInt(hex.slice(0, 12), 16);
}
