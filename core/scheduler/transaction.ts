/**
 * The scheduler's way to talk to the store: one query, or a transaction
 * that holds the scheduling lock. Failures become `StoreError`s saying what
 * the scheduler was doing.
 */
import type pg from "pg";

import { toStoreError } from "../store/store-error.ts";

/** A pool or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, "query">;

// "backflow" + 1 read as a bigint: the key of the scheduling lock (the
// migration lock uses "backflow" itself).
const SCHEDULING_LOCK = "7089054359240779640";

export async function rows<Row>(
  db: Queryable,
  doing: string,
  text: string,
  values: readonly unknown[] = [],
): Promise<Row[]> {
  try {
    const result = await db.query(text, values as unknown[]);
    return result.rows as Row[];
  } catch (error) {
    throw toStoreError(error, doing);
  }
}

/**
 * Runs `work` in a transaction holding the scheduling lock, so that the
 * decisions that count before they write (starting runs within
 * `maxActiveRuns`, claiming tasks within concurrency caps) are made by one
 * scheduler process at a time. The lock is released at commit.
 */
export async function withSchedulingLock<T>(
  pool: pg.Pool,
  doing: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw toStoreError(error, "connecting");
  });
  let broken = false;
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1::bigint)", [
      SCHEDULING_LOCK,
    ]);
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    broken = true;
    await client.query("rollback").catch(() => {});
    throw toStoreError(error, doing);
  } finally {
    client.release(broken);
  }
}
