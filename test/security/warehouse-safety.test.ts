/**
 * Warehouse safety through a real `backflow run`: a source query can not
 * write (a data-modifying CTE, a volatile function that inserts, a
 * function that tries to switch the transaction to read-write, a second
 * statement after a `;`), values are bound parameters (an injection
 * through a query value, and through a row key that the retry pass reads
 * back), statements time out, and the one declared write (`d.sql`) is
 * shown as a write by `check` and by the dashboard.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  runCli,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../helpers/cli.ts";

const TOKEN = "safety-token";
const PIPELINES = "test/fixtures/pipelines/safety";
const EVIL_KEY = "'); drop table victims; --";

const SCHEMA = `
create table victims (id int primary key, name text not null);
insert into victims values (1, 'a'), (2, 'b'), (3, 'c');
create table audit (runs int not null);
insert into audit values (0);
create function write_victim() returns boolean language plpgsql volatile as $$
begin
  insert into victims values (200, 'written by a read');
  return true;
end $$;
create function escape_read_only() returns boolean language plpgsql as $$
begin
  perform set_config('transaction_read_only', 'off', true);
  set transaction read write;
  insert into victims values (300, 'escaped');
  return true;
end $$;
create table keyed (id text primary key, user_id text, ts timestamptz);
insert into keyed values
  ('k1', 'u1', '2024-05-01 10:00:00+00'),
  ($1, null, '2024-05-01 10:00:01+00'),
  ('k3', 'u3', '2024-05-01 10:00:02+00');
`;

interface Summary {
  tasks: Array<{
    taskId: string;
    state: string;
    rowsRead: number;
    recordsSent: number;
    rejected: number;
    error?: string;
    errorCode?: string;
  }>;
}

describe("warehouse safety", () => {
  let warehouse: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let env: Record<string, string>;
  let first: Summary;

  const victims = async () => {
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    try {
      const rows = await client.query<{ id: number }>(
        "select id from victims order by id",
      );
      const audit = await client.query<{ runs: number }>(
        "select runs from audit",
      );
      return { ids: rows.rows.map((r) => r.id), runs: audit.rows[0]!.runs };
    } finally {
      await client.end();
    }
  };

  before(async () => {
    warehouse = await createTestDatabase("bf_safety");
    store = await createTestDatabase("bf_safety_store");
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    // One statement per query: only the last may carry a parameter.
    const statements = SCHEMA.split(/;\n(?=create|insert)/);
    for (const statement of statements) {
      await client.query(statement, statement.includes("$1") ? [EVIL_KEY] : []);
    }
    await client.end();
    emulator = await startEmulatorProcess(["--token", TOKEN]);
    env = {
      SAFETY_URL: warehouse.url,
      MIXPANEL_TOKEN: TOKEN,
      MIXPANEL_API_URL: emulator.url,
      BACKFLOW_DATABASE_URL: store.url,
    };
    const run = await runCli(
      ["run", "safety", "--json", "--pipelines", PIPELINES],
      {
        env,
      },
    );
    assert.equal(run.code, 1, "the run fails: some tasks tried to write");
    first = JSON.parse(run.stdout) as Summary;
  });
  after(async () => {
    await emulator?.stop();
    await store?.drop();
    await warehouse?.drop();
  });

  const task = (id: string) => first.tasks.find((t) => t.taskId === id)!;

  test("a source query can not write, whatever it tries", async () => {
    const attempts: Record<string, RegExp> = {
      cte_insert: /data-modifying/,
      volatile_write: /read-only transaction/,
      read_write_escape: /read-write|read-only/,
      two_statements: /multiple commands/,
    };
    for (const [id, reason] of Object.entries(attempts)) {
      assert.equal(task(id).state, "failed", id);
      assert.equal(task(id).errorCode, "SOURCE_QUERY", id);
      assert.match(task(id).error!, reason, id);
    }
    assert.deepEqual(await victims(), { ids: [1, 2, 3], runs: 1 });
  });

  test("values are bound parameters: an injection matches nothing", () => {
    assert.equal(task("injection").state, "success");
    assert.equal(task("injection").rowsRead, 0);
  });

  test("a statement past the connection's timeout is cancelled and named", () => {
    assert.equal(task("too_slow").state, "failed");
    assert.match(task("too_slow").error!, /statement timeout/);
  });

  test("a row key read back by the retry pass is bound, not spliced", async () => {
    assert.deepEqual(
      [task("keyed").recordsSent, task("keyed").rejected],
      [2, 1],
      "the key with a NULL user id was rejected",
    );
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    await client.query("update keyed set user_id = 'u2' where id = $1", [
      EVIL_KEY,
    ]);
    await client.end();

    const run = await runCli(
      ["run", "safety", "--task", "keyed", "--json", "--pipelines", PIPELINES],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    const events = (await emulator.text("/_emulator/events"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { properties: { distinct_id: string } });
    assert.ok(events.some((e) => e.properties.distinct_id === "u2"));
    assert.deepEqual((await victims()).ids, [1, 2, 3]);
  });

  test("the declared write is shown as one by check and by the dashboard", async () => {
    assert.equal(task("tidy").state, "success");
    const json = await runCli(["check", "--json", "--pipelines", PIPELINES], {
      env,
    });
    const out = JSON.parse(json.stdout) as {
      dags: Array<{ id: string; writes: unknown[] }>;
    };
    assert.deepEqual(out.dags.find((d) => d.id === "safety")!.writes, [
      { task: "tidy", kind: "sql", connection: "warehouse" },
    ]);
    const text = await runCli(["check", "--pipelines", PIPELINES], { env });
    assert.match(
      text.stdout,
      /writes to the warehouse:\n\s+✎ safety\.tidy \(sql on "warehouse"/,
    );

    const dashboard = await runCli(["dashboard"], { env });
    assert.equal(dashboard.code, 0, dashboard.stderr);
    assert.match(dashboard.stdout, /WRITES/);
    assert.match(dashboard.stdout, /safety .*✎ tidy/);
  });
});
