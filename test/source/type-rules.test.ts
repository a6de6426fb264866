import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { sql, type SqlQuery } from "../../core/source/sql.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let source: PostgresSource;

async function one<Row>(query: SqlQuery<Row>): Promise<Row> {
  const all: Row[] = [];
  for await (const rows of source.stream(query)) all.push(...rows);
  assert.equal(all.length, 1);
  return all[0] as Row;
}

async function value(expression: string): Promise<unknown> {
  const row = await one<{ v: unknown }>(
    Object.freeze({ text: `select ${expression} as v`, values: [] }),
  );
  return row.v;
}

before(async () => {
  db = await createTestDatabase("bf_source_types");
  source = new PostgresSource({ name: "warehouse", url: db.url });
});

after(async () => {
  await source.close();
  await db.drop();
});

describe("integers and floats", () => {
  test("int2, int4, oid, float4 and float8 become numbers", async () => {
    assert.equal(await value("7::int2"), 7);
    assert.equal(await value("(-2147483648)::int4"), -2147483648);
    assert.equal(await value("26::oid"), 26);
    assert.equal(await value("1.5::float4"), 1.5);
    assert.equal(await value("0.1::float8"), 0.1);
    assert.equal(await value("'Infinity'::float8"), Infinity);
  });

  test("int8 within ±(2^53−1) is a number", async () => {
    assert.equal(await value("9007199254740991::int8"), 9007199254740991);
    assert.equal(await value("(-9007199254740991)::int8"), -9007199254740991);
  });

  test("int8 beyond 2^53 keeps its exact digits as text", async () => {
    assert.equal(await value("9007199254740993::int8"), "9007199254740993");
    assert.equal(
      await value("(-9223372036854775808)::int8"),
      "-9223372036854775808",
    );
  });
});

describe("numeric", () => {
  test("a value that round-trips through a double is a number", async () => {
    assert.equal(await value("12.50::numeric(10,2)"), 12.5);
    assert.equal(await value("0.1::numeric"), 0.1);
    assert.equal(await value("123456789012345::numeric"), 123456789012345);
    assert.equal(await value("9007199254740991::numeric"), 9007199254740991);
    assert.equal(await value("1e300::numeric"), 1e300);
  });

  test("20 significant digits stay exact text", async () => {
    assert.equal(
      await value("12345678901234567890::numeric"),
      "12345678901234567890",
    );
    assert.equal(
      await value("0.12345678901234567890::numeric"),
      "0.12345678901234567890",
    );
    assert.equal(
      await value("1234567890123456.7::numeric"),
      "1234567890123456.7",
    );
  });

  test("NaN and infinities stay text", async () => {
    assert.equal(await value("'NaN'::numeric"), "NaN");
    assert.equal(await value("'Infinity'::numeric"), "Infinity");
    assert.equal(await value("'-Infinity'::numeric"), "-Infinity");
  });
});

describe("text-like values", () => {
  test("bool becomes boolean", async () => {
    assert.equal(await value("true"), true);
    assert.equal(await value("false"), false);
  });

  test("text, varchar, uuid and char stay strings", async () => {
    assert.equal(await value("'héllo'::text"), "héllo");
    assert.equal(await value("'ab'::varchar(5)"), "ab");
    const uuid = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    assert.equal(await value(`'${uuid}'::uuid`), uuid);
    assert.equal(await value("'x'::char(3)"), "x  ");
  });

  test("bytea becomes base64", async () => {
    assert.equal(await value("'\\x0102ff'::bytea"), "AQL/");
  });

  test("money, inet, ranges and enums stay text", async () => {
    assert.equal(typeof (await value("12.34::money")), "string");
    assert.equal(await value("'10.0.0.1/32'::inet"), "10.0.0.1");
    assert.equal(await value("int4range(1, 5)"), "[1,5)");
    await source.execute(sql`create type mood as enum ('sad', 'happy')`);
    assert.equal(await value("'happy'::mood"), "happy");
  });

  test("date stays YYYY-MM-DD, with no shift of a day", async () => {
    assert.equal(await value("'2024-02-29'::date"), "2024-02-29");
    assert.equal(await value("'0001-01-01'::date"), "0001-01-01");
  });

  test("time, timetz and interval stay text", async () => {
    assert.equal(await value("'13:45:00'::time"), "13:45:00");
    assert.equal(await value("'13:45:00+02'::timetz"), "13:45:00+02");
    assert.equal(await value("'1 day 02:00'::interval"), "1 day 02:00:00");
  });
});

describe("timestamps", () => {
  test("timestamptz is the exact instant as a Date", async () => {
    const v = await value("'2024-06-01 12:00:00.123+05:30'::timestamptz");
    assert.ok(v instanceof Date);
    assert.equal(v.toISOString(), "2024-06-01T06:30:00.123Z");
  });

  test("timestamp without time zone is read in UTC by default", async () => {
    const v = await value("'2024-06-01 12:00:00'::timestamp");
    assert.ok(v instanceof Date);
    assert.equal(v.toISOString(), "2024-06-01T12:00:00.000Z");
  });

  test("digits past the millisecond are dropped", async () => {
    const v = await value("'2024-06-01 12:00:00.123987'::timestamp");
    assert.ok(v instanceof Date);
    assert.equal(v.toISOString(), "2024-06-01T12:00:00.123Z");
  });

  test("±infinity stays the text infinity / -infinity", async () => {
    assert.equal(await value("'infinity'::timestamp"), "infinity");
    assert.equal(await value("'-infinity'::timestamptz"), "-infinity");
  });

  test("years before 100 and BC are not moved to the 1900s", async () => {
    const v = await value("'0044-03-15 12:00:00 BC'::timestamp");
    assert.ok(v instanceof Date);
    assert.equal(v.getUTCFullYear(), -43);
    const w = await value("'0099-12-31 00:00:00'::timestamp");
    assert.ok(w instanceof Date);
    assert.equal(w.getUTCFullYear(), 99);
  });
});

describe("json and arrays", () => {
  test("json and jsonb become parsed values", async () => {
    assert.deepEqual(await value(`'{"a":[1,"x",null]}'::jsonb`), {
      a: [1, "x", null],
    });
    assert.deepEqual(await value(`'[true]'::json`), [true]);
  });

  test("arrays hold normalised elements and nulls", async () => {
    assert.deepEqual(await value("'{1,NULL,3}'::int4[]"), [1, null, 3]);
    assert.deepEqual(await value("array[1, 9007199254740993]::int8[]"), [
      1,
      "9007199254740993",
    ]);
    assert.deepEqual(
      await value("array[1.5, 12345678901234567890]::numeric[]"),
      [1.5, "12345678901234567890"],
    );
    assert.deepEqual(await value(`array['a b', 'q"u,o{t}e', NULL]`), [
      "a b",
      'q"u,o{t}e',
      null,
    ]);
    assert.deepEqual(await value(`array['{"k":1}'::jsonb, '[2]'::jsonb]`), [
      { k: 1 },
      [2],
    ]);
    assert.deepEqual(await value("'{{1,2},{3,4}}'::int4[]"), [
      [1, 2],
      [3, 4],
    ]);
    assert.deepEqual(await value("'{}'::text[]"), []);
  });

  test("arrays of timestamps, dates and enums", async () => {
    const stamps = await value(
      "array['2024-01-01 00:00:00'::timestamp, 'infinity']",
    );
    assert.ok(Array.isArray(stamps));
    assert.equal((stamps[0] as Date).toISOString(), "2024-01-01T00:00:00.000Z");
    assert.equal(stamps[1], "infinity");
    assert.deepEqual(await value("array['2024-01-02'::date]"), ["2024-01-02"]);
    await source.execute(sql`create type size as enum ('s', 'm')`);
    assert.deepEqual(await value("array['s', 'm']::size[]"), ["s", "m"]);
  });

  test("NULL of any type is null", async () => {
    assert.equal(await value("null::int8"), null);
    assert.equal(await value("null::timestamp"), null);
    assert.equal(await value("null::jsonb"), null);
  });
});
