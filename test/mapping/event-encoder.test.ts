/**
 * The COPY fast path of events against the general path, on awkward rows:
 * every row the encoder accepts must give exactly the JSON the general
 * mapper's record serialises to, and the rows it builds for the general
 * path must equal the cursor path's rows.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { EventsTask } from "../../core/builder/dag-definition.ts";
import { dag, env, mixpanel, postgres } from "../../core/index.ts";
import { compileMapper } from "../../core/mapping/compile-mapper.ts";
import { compileEventEncoder } from "../../core/mapping/event-encoder.ts";
import { keyText } from "../../core/mapping/insert-id.ts";
import type { EventMapping } from "../../core/mapping/mapping-spec.ts";
import { JsonBytes } from "../../core/mixpanel/json-bytes.ts";
import { CopyRowReader } from "../../core/source/copy-rows.ts";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { sql } from "../../core/source/sql.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");
const product = mixpanel("product", { token: "tok" });

/** Values per column; row r takes value r mod n of each list. */
const VALUES: Record<string, { type: string; values: string[] }> = {
  s: {
    type: "text",
    values: [
      "'plain'",
      `'say "hi" \\ back'`,
      "E'tab\\tnew\\nline\\rcr\\bbs\\fff\\vvt'",
      "E'ctrl\\x01\\x1f\\x7f end'",
      "'Zürich 東京 🎉'",
      "''",
      `repeat('a', 255)`,
      `repeat('a', 256)`,
      `repeat('é', 127) || 'a'`,
      `repeat('é', 128)`,
      `repeat('a', 253) || '🚀'`,
      `repeat('\\', 200)`,
      "'\\N'",
    ],
  },
  i2: { type: "int2", values: ["0", "-32768", "32767"] },
  i4: { type: "int4", values: ["-1", "2147483647", "0"] },
  i8: {
    type: "int8",
    values: [
      "9007199254740991",
      "9007199254740992",
      "-9223372036854775808",
      "123456789012345",
      "1234567890123456",
    ],
  },
  n: {
    type: "numeric",
    values: [
      "1.50",
      "0",
      "-0.00",
      "0.000001",
      "0.0000001",
      "123456789012345.6",
      "12345678901234.5",
      "'NaN'",
      "1e30",
      "100.000",
      "-42.10",
      "0.1",
      "99999999999999999999",
    ],
  },
  f4: { type: "float4", values: ["0.1", "'NaN'", "1e20", "-0", "3.4e38"] },
  f8: {
    type: "float8",
    values: [
      "0.1",
      "'Infinity'",
      "'-Infinity'",
      "1e21",
      "1e-7",
      "-0",
      "0.30000000000000004",
      "123.456",
      "1e15",
      "2.5e-5",
    ],
  },
  b: { type: "bool", values: ["true", "false"] },
  ts: {
    type: "timestamp",
    values: ["'2024-01-02 03:04:05'", "'2024-01-02 03:04:05.678912'"],
  },
  tz: {
    type: "timestamptz",
    values: ["'2024-01-02 03:04:05.007+00'", "'infinity'", "'1900-01-01Z'"],
  },
  d: { type: "date", values: ["'2024-02-29'", "'0001-01-01 BC'"] },
  j: {
    type: "jsonb",
    values: [
      `'{"a": 1, "b": [1, 2.50, "x"], "c": {"d": null}}'`,
      `'{"10": 1, "2": 2, "b": 3}'`,
      `'{"__proto__": {"x": 1}}'`,
      `'{"a": {"b": {"c": {"d": 1}}}}'`,
      `'{"a": {"b": {"c": 1}}}'`,
      `'"just a string"'`,
      `'null'`,
      `'[1e30, 0.1, -0, 1.0]'`,
      `'{"s": "quote \\" back \\\\ nl \\n ctl \\u0001"}'`,
      `'{"long": "${"x".repeat(300)}"}'`,
      `'{"long": "${"x".repeat(255)}"}'`,
      `'12345678901234567890'`,
      `to_jsonb(array_fill(1, array[255]))`,
      `to_jsonb(array_fill(1, array[254]))`,
      `'{}'`,
      `'[]'`,
      `'true'`,
    ],
  },
  js: { type: "json", values: [`'{"b": 1,  "a": 2, "a": 3}'`, `'[1, 2]'`] },
  by: { type: "bytea", values: ["'\\xdeadbeef'", "''"] },
  ai: { type: "int[]", values: ["'{1,NULL,3}'", "'{{1,2},{3,4}}'"] },
  at: { type: "text[]", values: [`'{"a b","c,d","e\\"f"}'`] },
  uu: { type: "uuid", values: ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"] },
  ip: { type: "inet", values: ["'192.168.0.1/24'"] },
  iv: { type: "interval", values: ["'1 day 02:03:04'"] },
};

/** Rows whose id, user or time the mapper must judge. */
const SPECIAL = [
  { k: "null", u: "'u1'", t: "'2024-05-01Z'" },
  { k: "''", u: "'u1'", t: "'2024-05-01Z'" },
  { k: "'k-a'", u: "null", t: "'2024-05-01Z'" },
  { k: "'k-b'", u: "''", t: "'2024-05-01Z'" },
  { k: "'k-c'", u: "'UNDEFINED'", t: "'2024-05-01Z'" },
  { k: "'k-d'", u: "'un\u212Anown'", t: "'2024-05-01Z'" },
  { k: "'k-e'", u: `'${"u".repeat(40)}'`, t: "'2024-05-01Z'" },
  { k: "'k-f'", u: `'say "x"'`, t: "'2024-05-01Z'" },
  { k: "'k-g'", u: "'u1'", t: "null" },
  { k: "'k-h'", u: "'u1'", t: "'1960-01-01Z'" },
  { k: "'k-i'", u: "'u1'", t: "'2030-01-01Z'" },
  { k: "'k-j'", u: "'u1'", t: "'infinity'" },
  { k: "'k-k'", u: "'u1'", t: "'2024-05-01 10:00:00.123456-03:30'" },
  { k: "E'k\\\\l'", u: "'u1'", t: "'2024-05-01Z'" },
];

const ROWS = 60;

let db: TestDatabase;

function buildTask(
  mapping: EventMapping<Record<string, unknown>>,
  timezone = "UTC",
): EventsTask {
  const warehouse = postgres("warehouse", {
    url: env("WAREHOUSE_URL"),
    timezone,
  });
  const d = dag("fast", {}, (b) => {
    b.events("events", {
      from: warehouse.query`select * from awkward`,
      to: product,
      ...mapping,
    });
  });
  return d.task("events") as EventsTask;
}

const columns = Object.keys(VALUES);
const MAPPING: EventMapping<Record<string, unknown>> = {
  event: { column: "name" },
  insertId: "k",
  userId: "u",
  time: "t",
  properties: Object.fromEntries(columns.map((c) => [`p_${c}`, c])),
};

before(async () => {
  db = await createTestDatabase("bf_encoder");
  const source = new PostgresSource({ name: "setup", url: db.url });
  const defs = columns.map((c) => `${c} ${VALUES[c]!.type}`).join(", ");
  const rows: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    const cells = columns.map((c) => {
      const list = VALUES[c]!.values;
      // Every so often a NULL, so that NULL meets every other value.
      return r % 7 === 3 ? "null" : list[r % list.length]!;
    });
    const name = r % 5 === 4 ? "'  '" : `'Event ${r % 3}'`;
    rows.push(
      `('k${r}', 'u${r}', '2024-05-01Z', ${name}, ${cells.join(", ")})`,
    );
  }
  for (const s of SPECIAL) {
    const cells = columns.map((c) => VALUES[c]!.values[0]!);
    rows.push(`(${s.k}, ${s.u}, ${s.t}, 'Special', ${cells.join(", ")})`);
  }
  await source.execute(
    Object.freeze({
      text:
        `create table awkward (k text, u text, t timestamptz, name text, ` +
        `${defs}); insert into awkward values ${rows.join(",\n")}`,
      values: [],
    }),
  );
  await source.close();
});

after(async () => {
  await db.drop();
});

/** Both paths over the table; returns how many rows the encoder took. */
async function compare(task: EventsTask, timezone = "UTC"): Promise<number> {
  const source = new PostgresSource({
    name: "warehouse",
    url: db.url,
    timezone,
  });
  try {
    const query = sql`select * from awkward`;
    const rows: Record<string, unknown>[] = [];
    for await (const page of source.stream(query)) rows.push(...page);

    const mapper = compileMapper(task, { now: () => NOW });
    let accepted = 0;
    let i = 0;
    for await (const page of source.streamCopy(query)) {
      const reader = new CopyRowReader(page.columns, page.parsers);
      const encoder = compileEventEncoder(task, page.columns, {
        now: () => NOW,
      });
      assert.ok(encoder, "a mapping of columns compiles");
      for (const part of page.parts) {
        reader.reset(part);
        while (reader.next()) {
          const row = rows[i++]!;
          assert.deepEqual(reader.row(), row, `row ${i} read the same way`);
          const key = keyText(reader.value(encoder.keyColumn));
          const general = mapper(row);
          const out = new JsonBytes();
          if (!encoder.encode(reader, key, out)) continue;
          accepted++;
          const json = out.buf.toString("utf8", 0, out.pos);
          assert.ok(
            general.ok,
            `row ${i} was accepted by the fast path but rejected by the ` +
              `mapper: ${JSON.stringify(general.ok ? "" : general.rejection)}`,
          );
          assert.equal(json, JSON.stringify(general.record), `row ${i}`);
        }
      }
    }
    assert.equal(i, rows.length);
    return accepted;
  } finally {
    await source.close();
  }
}

describe("events fast path", () => {
  test("accepted rows give the general path's JSON, byte for byte", async () => {
    const accepted = await compare(buildTask(MAPPING));
    // The awkward values send many rows the general way; plenty remain.
    assert.ok(accepted >= 10, `only ${accepted} rows took the fast path`);
  });

  test("the same in a session zone with a half-hour offset", async () => {
    const accepted = await compare(buildTask(MAPPING, "+05:30"), "+05:30");
    assert.ok(accepted >= 10, `only ${accepted} rows took the fast path`);
  });

  test("with a constant name and includeRest", async () => {
    const accepted = await compare(
      buildTask({
        event: "Awkward",
        insertId: "k",
        userId: "u",
        time: "t",
        ip: "s",
        includeRest: true,
      }),
    );
    assert.ok(accepted >= 10, `only ${accepted} rows took the fast path`);
  });

  test("plain rows always take the fast path", async () => {
    const task = buildTask({
      event: "Plain",
      insertId: "k",
      userId: "u",
      time: "t",
      properties: { a: "i4", b: "n", c: "s", d: "b", e: "j" },
    });
    const source = new PostgresSource({ name: "warehouse", url: db.url });
    try {
      const query = sql`
        select 'key-' || g as k, 'user-' || g as u,
               timestamptz '2024-05-01 00:00:00.5+00' + g * interval '1 ms' as t,
               g::int4 as i4, (g / 8.0)::numeric as n, 'text ' || g as s,
               g % 2 = 0 as b, jsonb_build_object('g', g, 'l', array[g]) as j
          from generate_series(1, 500) as g`;
      let accepted = 0;
      for await (const page of source.streamCopy(query)) {
        const reader = new CopyRowReader(page.columns, page.parsers);
        const encoder = compileEventEncoder(task, page.columns, {
          now: () => NOW,
        })!;
        for (const part of page.parts) {
          reader.reset(part);
          while (reader.next()) {
            const key = keyText(reader.value(encoder.keyColumn));
            if (encoder.encode(reader, key, new JsonBytes())) accepted++;
          }
        }
      }
      assert.equal(accepted, 500);
    } finally {
      await source.close();
    }
  });

  test("mappings with functions are left to the general path", () => {
    const task = buildTask({
      ...MAPPING,
      properties: { upper: (r) => String(r.s).toUpperCase() },
    });
    assert.equal(compileEventEncoder(task, []), undefined);
  });
});
