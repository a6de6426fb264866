import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { migrate } from "../../core/store/migrate.ts";
import { MIGRATIONS } from "../../core/store/migrations.ts";
import { StoreError } from "../../core/store/store-error.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
const pools: pg.Pool[] = [];

function pool(): pg.Pool {
  const created = new pg.Pool({ connectionString: db.url, max: 2 });
  // A connection still closing when the database is dropped must not crash.
  created.on("connect", (client) => client.on("error", () => {}));
  pools.push(created);
  return created;
}

before(async () => {
  db = await createTestDatabase("bf_store_migrations");
});

after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await db.drop();
});

test("concurrent opens apply each migration exactly once", async () => {
  const results = await Promise.all([migrate(pool()), migrate(pool())]);
  const all = MIGRATIONS.map((m) => m.version);
  assert.deepEqual(
    results.map((r) => r.length).sort(),
    [0, all.length],
    "one opener applied everything, the other nothing",
  );

  const recorded = await pool().query<{ version: number; name: string }>(
    "select version, name from backflow_migrations order by version",
  );
  assert.deepEqual(
    recorded.rows,
    MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
  );
});

test("a later open finds nothing to do", async () => {
  assert.deepEqual(await migrate(pool()), []);
});

test("the initial schema holds every table of the store", async () => {
  const tables = await pool().query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = 'public' order by table_name`,
  );
  assert.deepEqual(
    tables.rows.map((r) => r.table_name),
    [
      "backflow_migrations",
      "checkpoints",
      "dag_runs",
      "dags",
      "import_errors",
      "profile_hashes",
      "profile_property_sets",
      "rejected_rows",
      "run_log",
      "sync_ledger",
      "task_instances",
      "task_tries",
      "workers",
    ],
  );
});

test("a new migration is applied on the next open, once", async () => {
  const next = {
    version: MIGRATIONS.length + 1,
    name: "test column",
    sql: "alter table dags add column test_note text",
  };
  assert.deepEqual(await migrate(pool(), [...MIGRATIONS, next]), [
    next.version,
  ]);
  assert.deepEqual(await migrate(pool(), [...MIGRATIONS, next]), []);
});

test("a schema newer than this backflow is refused with advice", async () => {
  await assert.rejects(migrate(pool()), (error) => {
    assert.ok(error instanceof StoreError);
    assert.equal(error.code, "STORE");
    assert.match(error.message, /newer than this backflow knows.*upgrade/);
    return true;
  });
});

test("a failing migration leaves no trace and names itself", async () => {
  const fresh = await createTestDatabase("bf_store_migrations_bad");
  const p = new pg.Pool({ connectionString: fresh.url, max: 1 });
  p.on("connect", (client) => client.on("error", () => {}));
  try {
    const bad = {
      version: 1,
      name: "broken",
      sql: "create table t (id int); select * from no_such_table",
    };
    await assert.rejects(migrate(p, [bad]), /migration 1 \(broken\)/);
    const left = await p.query(
      "select to_regclass('t') as t, count(*)::int as n from backflow_migrations",
    );
    assert.deepEqual(left.rows, [{ t: null, n: 0 }]);
  } finally {
    await p.end();
    await fresh.drop();
  }
});
