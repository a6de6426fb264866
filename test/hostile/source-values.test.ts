/**
 * Hostile source values through a real `backflow run`: control
 * characters, lone surrogates (a `json` column keeps `\ud800` escapes that
 * jsonb and text refuse), NUL in json, 6 MB of text, json nested 20,000
 * deep, and every kind of PostgreSQL value the source can return. Each
 * value is either sent in its documented form or its row is rejected with
 * a clear reason, and every other row goes through.
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

const TOKEN = "hostile-token";

// PostgreSQL 15 parses json recursively: the 20,000-deep value needs more
// than the default 2 MB of stack (16 and later do not).
const SCHEMA = String.raw`
set max_stack_depth = '7MB';
create type mood as enum ('sad', 'ok', 'happy');
create type pair as (a int, b text);
create table hostile (
  id int primary key, user_id text not null, ts timestamptz not null,
  label text, doc json, docb jsonb, span interval, price money, raw bytea,
  uid uuid, addr inet, net cidr, mac macaddr, period tstzrange,
  nums int4range, feeling mood, feelings mood[], couple pair,
  couples pair[], markup xml, search tsvector, spot point, flags bit(3),
  day date, clock time, clocktz timetz, big int8, exact numeric,
  ratio float8, tags text[], matrix int[]
);
insert into hostile values (1, 'u1', '2024-05-01 10:00:00+00', 'plain',
  '{"a": [1, 2]}', '{"b": {"c": true}}', '1 day 02:03:04.5', 12.34,
  '\xdeadbeef', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24',
  '10.0.0.0/8', '08:00:2b:01:02:03',
  '[2024-01-01 00:00:00+00,2024-02-01 00:00:00+00)', '[1,10)', 'happy',
  '{sad,happy}', '(1,"x y")', '{"(1,a)","(2,b)"}', '<a href="x">t</a>',
  'the quick fox', '(1.5,-2)', B'101', '2024-02-29', '13:14:15.123456',
  '13:14:15+05:30', 9007199254740993, 12345678901234567890.123, 'NaN',
  '{"a","b,c",NULL}', '{{1,2},{3,4}}');
insert into hostile (id, user_id, ts, label) values
  (2, 'u2', '2024-05-01 10:00:01+00', E'bell\x07 tab\t nl\n esc\x1b del\x7f'),
  (5, 'u5', '2024-05-01 10:00:04+00', repeat('é', 3000000)),
  (8, 'u8', '2024-05-01 10:00:07+00', 'after the hostile ones');
insert into hostile (id, user_id, ts, doc) values
  (3, 'u3', '2024-05-01 10:00:02+00', '{"s": "lone \ud800 high"}'),
  (4, 'u4', '2024-05-01 10:00:03+00', '{"\udc00": 1}'),
  (6, 'u6', '2024-05-01 10:00:05+00',
   (repeat('[', 20000) || repeat(']', 20000))::json),
  (7, 'u7', '2024-05-01 10:00:06+00',
   (repeat('{"a":', 2000) || '1' || repeat('}', 2000))::json),
  (9, 'u9', '2024-05-01 10:00:08+00', '"\udbff"'),
  (10, 'u10', '2024-05-01 10:00:09+00', '{"n": "nul\u0000byte"}'),
  (11, 'u11', '2024-05-01 10:00:10+00', '"nul\u0000 and \ud800"');
`;

/** Row 1's columns as Mixpanel receives them (the documented rules). */
const ROW_ONE: Record<string, unknown> = {
  label: "plain",
  doc: { a: [1, 2] },
  docb: { b: { c: true } },
  span: "1 day 02:03:04.5",
  price: "$12.34",
  raw: "3q2+7w==",
  uid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  addr: "192.168.0.1/24",
  net: "10.0.0.0/8",
  mac: "08:00:2b:01:02:03",
  period: '["2024-01-01 00:00:00+00","2024-02-01 00:00:00+00")',
  nums: "[1,10)",
  feeling: "happy",
  feelings: ["sad", "happy"],
  couple: '(1,"x y")',
  couples: ["(1,a)", "(2,b)"],
  markup: '<a href="x">t</a>',
  search: "'fox' 'quick' 'the'",
  spot: "(1.5,-2)",
  flags: "101",
  day: "2024-02-29",
  clock: "13:14:15.123456",
  clocktz: "13:14:15+05:30",
  big: "9007199254740993",
  exact: "12345678901234567890.123",
  ratio: "NaN",
  tags: ["a", "b,c", null],
  matrix: [
    [1, 2],
    [3, 4],
  ],
};

/** Rows refused, with the field and a word of the reason. */
const REFUSED: Record<string, RegExp> = {
  "3": /utf8/,
  "4": /utf8/,
  "6": /more than 100 levels deep/,
  "7": /levels deep/,
  "9": /utf8/,
  "11": /utf8/,
};

interface Event {
  properties: Record<string, unknown>;
}
interface Profile {
  $distinct_id: string;
  $properties: Record<string, unknown>;
}

describe("hostile source values", () => {
  let source: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let run: CliResult;
  let events: Map<string, Record<string, unknown>>;
  let profiles: Map<string, Record<string, unknown>>;

  before(async () => {
    source = await createTestDatabase("bf_hostile");
    store = await createTestDatabase("bf_hostile_store");
    const client = new pg.Client({ connectionString: source.url });
    await client.connect();
    await client.query(SCHEMA);
    await client.end();
    emulator = await startEmulatorProcess(["--token", TOKEN]);
    run = await runCli(
      [
        "run",
        "hostile",
        "--json",
        "--pipelines",
        "test/fixtures/pipelines/hostile",
      ],
      {
        env: {
          HOSTILE_URL: source.url,
          MIXPANEL_TOKEN: TOKEN,
          MIXPANEL_API_URL: emulator.url,
          BACKFLOW_DATABASE_URL: store.url,
        },
      },
    );
    const lines = (await emulator.text("/_emulator/events"))
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Event);
    events = new Map(
      lines.map((e) => [String(e.properties.distinct_id), e.properties]),
    );
    const stored = await emulator.get<Profile[]>("/_emulator/profiles");
    profiles = new Map(stored.map((p) => [p.$distinct_id, p.$properties]));
  });
  after(async () => {
    await emulator?.stop();
    await store?.drop();
    await source?.drop();
  });

  test("regression: json nested 20,000 deep failed both tasks with 'Maximum call stack size exceeded'", () => {
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const summary = JSON.parse(run.stdout) as {
      tasks: Array<{ rowsRead: number; recordsSent: number; rejected: number }>;
    };
    for (const task of summary.tasks) {
      assert.equal(task.rowsRead, 11);
      assert.equal(task.recordsSent + task.rejected, 11);
    }
  });

  test("every other row goes through, as event and as profile", () => {
    const delivered = ["u1", "u2", "u5", "u8", "u10"];
    assert.deepEqual([...events.keys()].sort(), [...delivered].sort());
    assert.deepEqual([...profiles.keys()].sort(), [...delivered].sort());
  });

  test("each PostgreSQL type arrives in its documented form", () => {
    for (const target of [events.get("u1")!, profiles.get("u1")!]) {
      for (const [column, value] of Object.entries(ROW_ONE)) {
        assert.deepEqual(target[column], value, column);
      }
    }
  });

  test("control characters and NUL are sent exactly; huge text is cut at 255 bytes on a character", () => {
    for (const target of [events, profiles]) {
      assert.equal(
        target.get("u2")!.label,
        "bell\x07 tab\t nl\n esc\x1b del\x7f",
      );
      assert.deepEqual(target.get("u10")!.doc, { n: "nul\u0000byte" });
      assert.equal(target.get("u5")!.label, "é".repeat(127));
    }
  });

  test("regression: a NUL in a rejected value failed the task with 'unsupported Unicode escape sequence'", async () => {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    const { rows } = await client.query<{
      task_id: string;
      row_key: string;
      field: string;
      reason: string;
      excerpt: Record<string, unknown>;
    }>("select task_id, row_key, field, reason, excerpt from rejected_rows");
    await client.end();
    // Events are keyed by id, profiles by user id ("u" + id).
    for (const [task, prefix] of [
      ["values", ""],
      ["profiles", "u"],
    ] as const) {
      const mine = rows.filter((r) => r.task_id === task);
      assert.deepEqual(
        mine.map((r) => r.row_key).sort(),
        Object.keys(REFUSED)
          .map((id) => prefix + id)
          .sort(),
        task,
      );
      for (const r of mine) {
        const id = r.row_key.slice(prefix.length);
        assert.match(r.field, /doc/, `${task} row ${r.row_key} names doc`);
        assert.match(r.reason, REFUSED[id]!, r.reason);
        assert.ok(r.excerpt, "an excerpt was stored");
      }
    }
    const eleven = rows.find((r) => r.row_key === "11")!;
    assert.match(JSON.stringify(eleven.excerpt), /\\ufffd|\uFFFD/i);
  });
});
