/**
 * Rejected rows, full refresh and reset through real `backflow` processes,
 * a real metadata store and a real emulator.
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

const TOKEN = "rejects-token";
const PIPELINES = "test/fixtures/pipelines/orders";

interface Request {
  path: string;
  records: number;
}

interface RejectsJson {
  open: number;
  rows: Array<{
    taskId: string;
    rowKey: string;
    field: string;
    reason: string;
    excerpt: Record<string, unknown>;
  }>;
}

describe("rejected rows, full refresh and reset", () => {
  let source: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let db: pg.Client;
  let env: Record<string, string>;

  before(async () => {
    source = await createTestDatabase("bf_orders");
    store = await createTestDatabase("bf_meta");
    emulator = await startEmulatorProcess(["--token", TOKEN]);
    db = new pg.Client({ connectionString: source.url });
    await db.connect();
    await db.query(`
      create table orders (id text primary key, user_id text,
        ts timestamptz not null, amount numeric not null);
      insert into orders values
        ('o1', 'u1', '2024-05-01 10:00:00+00', 10),
        ('o2', null, '2024-05-01 10:01:00+00', 20),
        ('o3', 'u3', '2024-05-01 10:02:00+00', 30)`);
    env = {
      ORDERS_URL: source.url,
      MIXPANEL_TOKEN: TOKEN,
      MIXPANEL_API_URL: emulator.url,
      BACKFLOW_DATABASE_URL: store.url,
    };
  });
  after(async () => {
    await db?.end();
    await emulator?.stop();
    await store?.drop();
    await source?.drop();
  });

  async function cli(args: string[]) {
    const before = (await requests()).length;
    const result = await runCli([...args, "--pipelines", PIPELINES], { env });
    const sent = (await requests())
      .slice(before)
      .reduce((n, r) => n + r.records, 0);
    return { ...result, sent };
  }

  async function requests(): Promise<Request[]> {
    const all = await emulator.get<Request[]>("/_emulator/requests");
    return all.filter((r) => !r.path.startsWith("/_emulator"));
  }

  async function rejects(): Promise<RejectsJson> {
    const result = await runCli(["rejects", "orders_dag", "orders", "--json"], {
      env,
    });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as RejectsJson;
  }

  test("a row with a NULL user id is rejected and shown by backflow rejects", async () => {
    const run = await cli(["run", "orders_dag"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.sent, 2);

    const shown = await rejects();
    assert.equal(shown.open, 1);
    const [row] = shown.rows;
    assert.equal(row!.rowKey, "o2");
    assert.equal(row!.field, "user_id");
    assert.match(row!.reason, /user_id/);
    assert.deepEqual(row!.excerpt, { id: "o2", user_id: null });

    const human = await runCli(["rejects", "orders_dag"], { env });
    assert.match(human.stdout, /orders_dag: 1 open rejected row/);
    assert.match(human.stdout, /orders {2}row o2 {2}field user_id/);
  });

  test("the next run tries the row again; it stays rejected while unfixed", async () => {
    const run = await cli(["run", "orders_dag", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as {
      totals: { rowsRead: number; rejected: number };
    };
    assert.equal(summary.totals.rejected, 1, "o2 was read and judged again");
    assert.equal(run.sent, 0);
    assert.equal((await rejects()).open, 1);
  });

  test("once the row is fixed it is delivered and its rejection clears", async () => {
    await db.query("update orders set user_id = 'u2' where id = 'o2'");
    const run = await cli(["run", "orders_dag"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.sent, 1);
    assert.equal((await rejects()).open, 0);
    const events = await emulator.get<{ events: number }>("/_emulator/stats");
    assert.equal(events.events, 3);
  });

  test("--full-refresh sends every row again; Mixpanel keeps one of each", async () => {
    const run = await cli(["run", "orders_dag", "--full-refresh"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.sent, 3);
    const stats =
      await emulator.get<Record<string, number>>("/_emulator/stats");
    assert.equal(stats.events, 3);
    assert.equal((await cli(["run", "orders_dag"])).sent, 0);
  });

  test("backflow reset forgets the task's state; the next run sends all", async () => {
    const reset = await cli(["reset", "orders_dag", "orders"]);
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(
      reset.stdout,
      /reset orders_dag\/orders: checkpoint, 3 look-back keys/,
    );
    assert.equal((await cli(["run", "orders_dag"])).sent, 3);

    const unknown = await cli(["reset", "orders_dag", "nope"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no sync task "nope"/);
  });
});
