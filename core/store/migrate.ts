/**
 * Applies the pending migrations at open. A session advisory lock makes
 * concurrent opens (two processes starting at once) take turns: the second
 * finds the work done and applies nothing.
 */
import type pg from "pg";
import { createLogger } from "../util/log.ts";
import { MIGRATIONS, type Migration } from "./migrations.ts";
import { StoreError, toStoreError } from "./store-error.ts";

// "backflow" in ASCII, read as one bigint: the advisory lock's key.
const LOCK_KEY = "7089054359240779639";
const log = createLogger({ scope: "store" });

/** @returns the versions applied by this call (empty when up to date) */
export async function migrate(
  pool: pg.Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect().catch((error: unknown) => {
    throw toStoreError(error, "connecting");
  });
  let broken = false;
  try {
    await client.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    try {
      return await applyPending(client, migrations);
    } finally {
      await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]);
    }
  } catch (error) {
    broken = true;
    if (error instanceof StoreError) throw error;
    throw toStoreError(error, "migrating the schema");
  } finally {
    client.release(broken);
  }
}

async function applyPending(
  client: pg.PoolClient,
  migrations: readonly Migration[],
): Promise<number[]> {
  await client.query(`
    create table if not exists backflow_migrations (
      version     integer primary key,
      name        text not null,
      applied_at  timestamptz not null default now()
    )`);
  const done = await client.query<{ version: number }>(
    "select version from backflow_migrations",
  );
  const applied = new Set(done.rows.map((r) => r.version));
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    throw new StoreError(
      `the metadata store's schema is at version ${newest}, newer than ` +
        `this backflow knows (${known}); upgrade backflow`,
    );
  }

  const ran: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    await client.query("begin");
    try {
      await client.query(migration.sql);
      await client.query(
        "insert into backflow_migrations (version, name) values ($1, $2)",
        [migration.version, migration.name],
      );
      await client.query("commit");
    } catch (error) {
      await client.query("rollback").catch(() => {});
      throw toStoreError(
        error,
        `migration ${migration.version} (${migration.name})`,
      );
    }
    log.info("store.migrated", { version: migration.version });
    ran.push(migration.version);
  }
  return ran;
}
