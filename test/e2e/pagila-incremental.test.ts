/**
 * Incremental sync end to end: Pagila in a real PostgreSQL, `backflow run`
 * as a real process with a persistent metadata store, a real emulator
 * process as Mixpanel whose request log proves what was sent.
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
import { loadPagila, skipWithoutPagila } from "../helpers/pagila.ts";

const TOKEN = "pagila-incremental-token";
const RENTALS = 16044;
const PAYMENTS = 16049;

interface Request {
  path: string;
  records: number;
}

interface Summary {
  state: string;
  tasks: Array<{ taskId: string; state: string; error?: string }>;
  totals: { rowsRead: number; recordsSent: number; rejected: number };
}

describe("incremental backflow run pagila", { skip: skipWithoutPagila }, () => {
  let pagila: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let source: pg.Client;

  before(async () => {
    pagila = await loadPagila();
    store = await createTestDatabase("bf_meta");
    emulator = await startEmulatorProcess(["--token", TOKEN]);
    source = new pg.Client({ connectionString: pagila.url });
    await source.connect();
  });
  after(async () => {
    await source?.end();
    await emulator?.stop();
    await store?.drop();
    await pagila?.drop();
  });

  async function run(dag: string, pipelines?: string) {
    const args = ["run", dag, "--json"];
    if (pipelines) args.push("--pipelines", pipelines);
    const before = (await requests()).length;
    const result = await runCli(args, {
      env: {
        PAGILA_URL: pagila.url,
        MIXPANEL_TOKEN: TOKEN,
        MIXPANEL_API_URL: emulator.url,
        BACKFLOW_DATABASE_URL: store.url,
      },
      timeoutMs: 300_000,
    });
    const summary = JSON.parse(result.stdout || "null") as Summary | null;
    return { result, summary, sent: (await requests()).slice(before) };
  }

  async function requests(): Promise<Request[]> {
    const all = await emulator.get<Request[]>("/_emulator/requests");
    return all.filter((r) => !r.path.startsWith("/_emulator"));
  }

  const records = (sent: Request[]) => sent.reduce((n, r) => n + r.records, 0);

  test("the first run sends every rental, payment, customer and store", async () => {
    const first = await run("pagila");
    assert.equal(first.result.code, 0, first.result.stderr);
    assert.equal(first.summary!.totals.recordsSent, RENTALS + PAYMENTS + 1099);
    const stats =
      await emulator.get<Record<string, number>>("/_emulator/stats");
    assert.equal(stats.events, RENTALS + PAYMENTS);
    assert.equal(stats.profiles, 599);
    assert.equal(stats.groups, 500);
  });

  test("a second run with nothing changed sends zero records", async () => {
    const second = await run("pagila");
    assert.equal(second.result.code, 0, second.result.stderr);
    assert.equal(second.summary!.totals.recordsSent, 0);
    assert.equal(second.sent.length, 0, "no request reached the emulator");
  });

  test("updating one customer's e-mail sends exactly one profile update", async () => {
    await source.query(
      `update customer set email = 'mary.new@example.org'
        where customer_id = 1`,
    );
    const third = await run("pagila");
    assert.equal(third.result.code, 0, third.result.stderr);
    assert.deepEqual(
      third.sent.map((r) => [r.path, r.records]),
      [["/engage", 1]],
    );
    const profiles = await emulator.get<
      Array<{ $distinct_id: string; $properties: Record<string, unknown> }>
    >("/_emulator/profiles");
    const mary = profiles.find((p) => p.$distinct_id === "1")!;
    assert.equal(mary.$properties.$email, "mary.new@example.org");
  });

  describe("mirror mode", () => {
    const pipelines = "test/fixtures/pipelines/pagila-mirror";
    const groups = async () =>
      (await emulator.get<Array<{ $group_id: string }>>("/_emulator/groups"))
        .length;

    before(async () => {
      await source.query("create table mirror_excluded_store (store_id int)");
      const first = await run("pagila_mirror", pipelines);
      assert.equal(first.result.code, 0, first.result.stderr);
      assert.equal(records(first.sent), 500);
    });

    test("removing one store from the query sends exactly one group delete", async () => {
      await source.query("insert into mirror_excluded_store values (3)");
      const removed = await run("pagila_mirror", pipelines);
      assert.equal(removed.result.code, 0, removed.result.stderr);
      assert.deepEqual(
        removed.sent.map((r) => [r.path, r.records]),
        [["/groups", 1]],
      );
      assert.equal(await groups(), 499);
    });

    test("removing most stores is refused with a clear error", async () => {
      await source.query(
        `insert into mirror_excluded_store
         select store_id from store where store_id between 10 and 310`,
      );
      const refused = await run("pagila_mirror", pipelines);
      assert.equal(refused.result.code, 1);
      const error = refused.summary!.tasks[0]!.error ?? "";
      assert.match(error, /would delete 301 of 499 group profiles/);
      assert.match(error, /maxDeleteShare of 20 %; nothing was deleted/);
      assert.equal(refused.sent.length, 0);
      assert.equal(await groups(), 499);
    });

    test("an empty source query never counts as everything deleted", async () => {
      await source.query(
        "insert into mirror_excluded_store select store_id from store",
      );
      const empty = await run("pagila_mirror", pipelines);
      assert.equal(empty.result.code, 1);
      assert.match(empty.summary!.tasks[0]!.error ?? "", /returned no rows/);
      assert.equal(empty.sent.length, 0);
      assert.equal(await groups(), 499);
    });

    test("a failed source query deletes nothing", async () => {
      await source.query("drop table mirror_excluded_store");
      const failed = await run("pagila_mirror", pipelines);
      assert.equal(failed.result.code, 1);
      assert.match(failed.summary!.tasks[0]!.error ?? "", /mirror_excluded/);
      assert.equal(failed.sent.length, 0);
      assert.equal(await groups(), 499);
    });
  });
});
