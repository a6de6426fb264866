/**
 * The COPY read path of PostgresSource against the cursor path: the same
 * rows for the same query (bound values inlined as typed literals), the
 * same transaction rules, and a clean end when the consumer stops early
 * or the run is aborted.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { inlineParameters, quoteLiteral } from "../../core/source/copy-sql.ts";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { sql, type SqlQuery } from "../../core/source/sql.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let source: PostgresSource;

async function viaCursor(query: SqlQuery): Promise<unknown[]> {
  const rows: unknown[] = [];
  for await (const page of source.stream(query)) rows.push(...page);
  return rows;
}

async function viaCopy(query: SqlQuery, batchSize?: number) {
  const rows: unknown[] = [];
  let pages = 0;
  const options = batchSize ? { batchSize } : {};
  for await (const page of source.streamCopy(query, options)) {
    rows.push(...page.toRows());
    pages++;
  }
  return { rows, pages };
}

before(async () => {
  db = await createTestDatabase("bf_copy");
  source = new PostgresSource({ name: "warehouse", url: db.url });
  await source.execute(
    Object.freeze({
      text: `
        create type mood as enum ('ok', 'meh');
        create table things (
          id int primary key, label text, at timestamptz, day date,
          wall timestamp, amount numeric, big int8, data jsonb,
          tags text[], moods mood[], blob bytea, flag bool
        );
        insert into things
        select g, case g % 4 when 0 then null when 1 then E'tab\\there "q" \\\\'
                 when 2 then 'Zürich 🎉' else E'line\\nbreak' end,
               timestamptz '2024-01-01 00:00:00.123456+00' + g * interval '1 h',
               date '2024-02-28' + g, timestamp '2024-03-01 12:00' + g * interval '1 min',
               g * 1.25, 9007199254740990 + g, jsonb_build_object('g', g, 'n', null),
               array['a,b', 'c"d', null], array['ok', 'meh']::mood[],
               decode('00ff' || lpad(to_hex(g), 2, '0'), 'hex'), g % 2 = 0
          from generate_series(1, 40) as g;`,
      values: [],
    }),
  );
});

after(async () => {
  await source.close();
  await db.drop();
});

describe("COPY reads", () => {
  test("give the cursor path's rows, with values inlined exactly", async () => {
    const since = new Date("2024-01-01T05:30:00.5Z");
    const query = sql`
      select * from things
       where at > ${since} and label is distinct from ${"it's \\ $1"}
         and id <> all(${[3, 4]}) and '$2' <> ${"$1"}
       order by id`;
    const cursor = await viaCursor(query);
    const { rows } = await viaCopy(query);
    assert.ok(cursor.length > 20);
    assert.deepEqual(rows, cursor);
  });

  test("cut pages at the batch size, as the cursor path fetches", async () => {
    const { rows, pages } = await viaCopy(sql`select * from things`, 7);
    assert.equal(rows.length, 40);
    assert.equal(pages, 6);
  });

  test("a consumer that stops early leaves no transaction behind", async () => {
    for await (const page of source.streamCopy(sql`select * from things`, {
      batchSize: 5,
    })) {
      assert.ok(page.toRows().length > 0);
      break;
    }
    // The pool still works, and no session is left in a transaction.
    assert.equal((await viaCursor(sql`select 1 as one`)).length, 1);
    const open = await viaCursor(sql`
      select count(*)::int as n from pg_stat_activity
       where datname = current_database() and state like 'idle in%'`);
    assert.deepEqual(open, [{ n: 0 }]);
  });

  test("an abort cancels the read with an ABORTED error", async () => {
    const controller = new AbortController();
    const read = (async () => {
      for await (const page of source.streamCopy(
        sql`select g from generate_series(1, 50000000) as g`,
        { signal: controller.signal, batchSize: 1000 },
      )) {
        void page;
        controller.abort();
      }
    })();
    await assert.rejects(read, (error: Error & { code?: string }) => {
      assert.equal(error.code, "ABORTED");
      return true;
    });
  });

  test("a query that sends nothing for the statement timeout is cancelled", async () => {
    const slow = new PostgresSource({
      name: "warehouse",
      url: db.url,
      statementTimeoutMs: 300,
    });
    try {
      const rows = viaCopyOf(slow, sql`select pg_sleep(5) as s`);
      await assert.rejects(rows, /sent no data for 300 ms/);
    } finally {
      await slow.close();
    }
  });

  test("stay one read-only statement, as on the cursor path", async () => {
    const { rows } = await viaCopy(sql`select 1 as one -- a comment`);
    assert.deepEqual(rows, [{ one: 1 }]);
    const escape = Object.freeze({
      text: "select 1 as one) to stdout; commit; select (1",
      values: [],
    });
    await assert.rejects(viaCopy(escape), /SQLSTATE/);
    const second = Object.freeze({ text: "select 1; select 2", values: [] });
    await assert.rejects(viaCopy(second), /SQLSTATE/);
  });

  test("errors in the query carry the SQL state", async () => {
    await assert.rejects(
      viaCopy(sql`select no_such_column from things`),
      /SQLSTATE 42703/,
    );
  });
});

async function viaCopyOf(from: PostgresSource, query: SqlQuery) {
  const rows: unknown[] = [];
  for await (const page of from.streamCopy(query)) rows.push(...page.toRows());
  return rows;
}

describe("inlining parameters", () => {
  test("only real placeholders are replaced", () => {
    const text =
      `select $1, '$1', "a$1", $$ $1 $$, $t$ $2 $t$, a$1 -- $1\n` +
      `/* $1 /* $2 */ */ E'\\'$1' || $2`;
    assert.equal(
      inlineParameters(text, ["X", "Y"]),
      `select X, '$1', "a$1", $$ $1 $$, $t$ $2 $t$, a$1 -- $1\n` +
        `/* $1 /* $2 */ */ E'\\'$1' || Y`,
    );
  });

  test("literals survive quotes and backslashes", () => {
    assert.equal(quoteLiteral("it's"), "'it''s'");
    assert.equal(quoteLiteral("a\\b'c"), "E'a\\\\b''c'");
  });
});
