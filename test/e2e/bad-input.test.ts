/**
 * Bad input has a defined outcome and never stops the other rows: a real
 * `backflow run` over a table of awkward rows, into a real emulator, with
 * the process's TZ set away from UTC.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  runCli,
  startEmulatorProcess,
  type CliResult,
  type EmulatorProcess,
} from "../helpers/cli.ts";

const TOKEN = "bad-input-token";
const multibyte = "ü€😀".repeat(75); // 300 characters, 675 bytes

const awkwardRows = `
create table awkward (
  id text primary key, user_id text, ts timestamp without time zone,
  note text, doc jsonb, big int8, num numeric,
  "time" text, token text, distinct_id text
);
insert into awkward values
  ('ok', 'u1', '2024-03-10 12:00:00.123456', 'fine', '{"a":1}',
   9007199254740993, 12345678901234567890, 'x', 'secret-ish', 'evil'),
  ('null-user', null, '2024-03-10 12:00:00', null, null, null, null,
   null, null, null),
  ('before-1971', 'u2', '1970-06-01 00:00:00', null, null, null, null,
   null, null, null),
  ('future', 'u3', now() at time zone 'UTC' + interval '2 hours', null,
   null, null, null, null, null, null),
  ('plus-infinity', 'u4', 'infinity', null, null, null, null,
   null, null, null),
  ('minus-infinity', 'u5', '-infinity', null, null, null, null,
   null, null, null),
  ('long-text', 'u6', '2024-03-10 12:00:00', $1, null, null, null,
   null, null, null),
  ('deep-json', 'u7', '2024-03-10 12:00:00', null,
   '{"a":{"b":{"c":{"d":{"e":1}}}}}', null, null, null, null, null);
`;

function wideTable(): string {
  const columns = Array.from({ length: 300 }, (_, i) => `c${i} int`);
  const values = Array.from({ length: 300 }, (_, i) => String(i));
  return (
    `create table wide (id text, ts timestamptz, ${columns.join(", ")});` +
    `insert into wide values ('w1', '2024-03-10T12:00:00Z', ${values.join(", ")});`
  );
}

interface StoredEvent {
  event: string;
  properties: Record<string, unknown>;
}

describe("awkward source rows", () => {
  let source: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let run: CliResult;
  let events: StoredEvent[];

  before(async () => {
    source = await createTestDatabase("awkward");
    store = await createTestDatabase("bf_meta");
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    for (const statement of awkwardRows.split(";").filter((s) => s.trim())) {
      const params = statement.includes("$1") ? [multibyte] : [];
      await client.query(statement, params);
    }
    await client.query(wideTable());
    await client.end();

    emulator = await startEmulatorProcess(["--token", TOKEN]);
    run = await runCli(
      ["run", "bad_input", "--pipelines", "test/fixtures/pipelines/bad-input"],
      {
        env: {
          TZ: "America/New_York",
          AWKWARD_URL: source.url,
          MIXPANEL_TOKEN: TOKEN,
          MIXPANEL_API_URL: emulator.url,
          BACKFLOW_DATABASE_URL: store.url,
        },
      },
    );
    events = (await emulator.text("/_emulator/events"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StoredEvent);
  });

  after(async () => {
    await emulator?.stop();
    await source?.drop();
    await store?.drop();
  });

  const stored = (id: string) =>
    events.find(
      (e) => e.properties.id === id || e.properties.$insert_id === id,
    );
  const delivered = () => events.map((e) => e.event);

  test("the run completes; rejections do not fail it below threshold", () => {
    assert.equal(run.code, 0, run.stderr + run.stdout);
  });

  test("good rows go through beside the bad ones", () => {
    assert.equal(delivered().filter((e) => e === "Awkward").length, 2);
    assert.ok(events.some((e) => e.properties.distinct_id === "u1"));
    assert.ok(events.some((e) => e.properties.distinct_id === "u6"));
  });

  test("a naive timestamp is read as UTC whatever the process TZ", () => {
    const ok = events.find((e) => e.properties.distinct_id === "u1")!;
    assert.equal(ok.properties.time, Date.UTC(2024, 2, 10, 12, 0, 0, 123));
  });

  test("int8 beyond 2^53 and a 20-digit numeric stay exact strings", () => {
    const ok = events.find((e) => e.properties.distinct_id === "u1")!;
    assert.equal(ok.properties.big, "9007199254740993");
    assert.equal(ok.properties.num, "12345678901234567890");
  });

  test("columns named time, token or distinct_id never clobber", () => {
    const ok = events.find((e) => e.properties.distinct_id === "u1")!;
    assert.equal(ok.properties.distinct_id, "u1");
    assert.equal(typeof ok.properties.time, "number");
    assert.equal(ok.properties.token, undefined);
  });

  test("a 300-character multibyte string is cut to 255 bytes whole", () => {
    const long = events.find((e) => e.properties.distinct_id === "u6")!;
    const note = long.properties.note as string;
    assert.ok(Buffer.byteLength(note) <= 255);
    assert.ok(multibyte.startsWith(note));
    assert.ok(!note.includes("\uFFFD"));
  });

  test("each bad row is rejected with its key, field and reason", () => {
    const summary = run.stdout;
    assert.match(summary, /awkward\s+✓ success\s+8\s+2\s+6/);
    assert.match(summary, /wide\s+✓ success\s+1\s+0\s+1/);
    assert.equal(stored("null-user"), undefined);
    assert.equal(stored("deep-json"), undefined);
  });

  test("the metadata store keeps each rejection's key, field and reason", async () => {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    const { rows } = await client.query<{
      task_id: string;
      row_key: string;
      field: string;
      reason: string;
    }>(
      "select task_id, row_key, field, reason from rejected_rows order by task_id, row_key",
    );
    await client.end();
    const byKey = new Map(rows.map((r) => [`${r.task_id}/${r.row_key}`, r]));
    assert.deepEqual(
      [...byKey.keys()].sort(),
      [
        "awkward/null-user",
        "awkward/before-1971",
        "awkward/deep-json",
        "awkward/future",
        "awkward/minus-infinity",
        "awkward/plus-infinity",
        "wide/w1",
      ].sort(),
    );
    assert.equal(byKey.get("awkward/null-user")!.field, "user_id");
    for (const key of ["before-1971", "future", "plus-infinity"]) {
      assert.equal(byKey.get(`awkward/${key}`)!.field, "ts");
    }
    assert.equal(byKey.get("awkward/deep-json")!.field, "doc");
    for (const row of rows) assert.ok(row.reason.length > 10, row.reason);
  });
});
