import assert from "node:assert/strict";
import { test } from "node:test";

import { DagDefinitionError } from "../../core/builder/dag-errors.ts";
import { compileMapper } from "../../core/mapping/compile-mapper.ts";
import type { MapResult, MappedEvent } from "../../core/mapping/map-result.ts";
import type { EventMapping } from "../../core/mapping/mapping-spec.ts";
import type { EventsTask } from "../../core/builder/dag-definition.ts";
import { dag, postgres } from "../../core/index.ts";
import { eventsTask, product } from "../helpers/sync-tasks.ts";

const NOW = Date.parse("2024-06-01T12:00:00Z");

/** A row as the Postgres source delivers it (int8 ids, numeric, jsonb). */
const order = (over: Record<string, unknown> = {}) => ({
  order_id: 1001,
  user_id: "u_42",
  created_at: new Date("2024-05-31T10:15:30.123Z"),
  total: 19.5,
  currency: "EUR",
  company_id: 7,
  ip_address: null,
  ...over,
});

const mapping: EventMapping<Record<string, unknown>> = {
  event: "Order Completed",
  insertId: "order_id",
  userId: "user_id",
  time: "created_at",
  properties: { amount: "total", currency: "currency" },
};

function mapOne(row: Record<string, unknown>, extra = {}, task = "orders") {
  const mapper = compileMapper(
    eventsTask({ ...mapping, ...extra }, { dag: "shop", task }),
    { now: () => NOW },
  );
  return mapper(row);
}

function ok(result: MapResult<MappedEvent>) {
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.rejection));
  return result;
}

function rejected(result: MapResult<MappedEvent>) {
  assert.ok(!result.ok, "the row should have been rejected");
  return result.rejection;
}

test("an order row becomes an /import event with identity, time and ip", () => {
  const result = ok(mapOne(order()));
  assert.equal(result.key, "1001");
  assert.deepEqual(result.record, {
    event: "Order Completed",
    properties: {
      time: Date.parse("2024-05-31T10:15:30.123Z"),
      distinct_id: "u_42",
      $user_id: "u_42",
      $insert_id: "42b259c0ebc44c9f47049392e3b3b7ba",
      ip: "0",
      amount: 19.5,
      currency: "EUR",
    },
  });
});

test("$insert_id is pinned: same row, same id, in every process", () => {
  // The literal is SHA-256("shop:orders:1001"); changing the formula would
  // make Mixpanel count every resent event twice.
  const a = ok(mapOne(order())).record.properties.$insert_id;
  const b = ok(mapOne(order({ total: 1 }))).record.properties.$insert_id;
  assert.equal(a, "42b259c0ebc44c9f47049392e3b3b7ba");
  assert.equal(b, a);
  assert.match(a, /^[A-Za-z0-9-]{1,36}$/);
});

test("$insert_id differs per row and per task", () => {
  const base = ok(mapOne(order())).record.properties.$insert_id;
  const otherRow = ok(mapOne(order({ order_id: 1002 })));
  const otherTask = ok(mapOne(order(), {}, "refunds"));
  assert.notEqual(otherRow.record.properties.$insert_id, base);
  assert.notEqual(otherTask.record.properties.$insert_id, base);
});

test("the event name defaults to the task id", () => {
  const result = ok(mapOne(order(), { event: undefined }));
  assert.equal(result.record.event, "orders");
});

test("the event name can come from a column or a function", () => {
  const fromColumn = ok(
    mapOne(order({ kind: "Refund" }), { event: { column: "kind" } }),
  );
  assert.equal(fromColumn.record.event, "Refund");
  const fromFn = ok(
    mapOne(order(), {
      event: (r: { currency: string }) => `Paid ${r.currency}`,
    }),
  );
  assert.equal(fromFn.record.event, "Paid EUR");
});

test("a NULL event-name column rejects the row naming the column", () => {
  const r = rejected(
    mapOne(order({ kind: null }), { event: { column: "kind" } }),
  );
  assert.equal(r.field, "kind");
});

test("a NULL user id is rejected, naming the user id column", () => {
  const r = rejected(mapOne(order({ user_id: null })));
  assert.deepEqual(
    { dag: r.dag, task: r.task, rowKey: r.rowKey, field: r.field },
    { dag: "shop", task: "orders", rowKey: "1001", field: "user_id" },
  );
  assert.match(r.reason, /NULL.*Filter these rows out or use coalesce/);
});

test("placeholder user ids are rejected whatever their case", () => {
  for (const id of [
    "0",
    "null",
    "Undefined",
    "-1",
    "00000000-0000-0000-0000-000000000000",
  ]) {
    const r = rejected(mapOne(order({ user_id: id })));
    assert.equal(r.field, "user_id");
    assert.match(r.reason, /placeholder/);
  }
});

test("a numeric user id is sent as a string", () => {
  const result = ok(mapOne(order({ user_id: 42 })));
  assert.equal(result.record.properties.distinct_id, "42");
});

test("a NULL insert id is rejected with a placeholder row key", () => {
  const r = rejected(mapOne(order({ order_id: null })));
  assert.equal(r.rowKey, "(null)");
  assert.equal(r.field, "order_id");
});

test("times outside Mixpanel's window are rejected naming the time column", () => {
  const cases: Array<[unknown, RegExp]> = [
    [new Date("1970-06-01T00:00:00Z"), /before 1971-01-01/],
    [new Date(NOW + 2 * 3_600_000), /more than 1 hour in the future/],
    ["infinity", /is infinity/],
    ["-infinity", /is -infinity/],
    [new Date(Number.NaN), /invalid date/],
    [null, /is NULL/],
    ["yesterday", /not a timestamp.*Cast the column/],
  ];
  for (const [value, reason] of cases) {
    const r = rejected(mapOne(order({ created_at: value })));
    assert.equal(r.field, "created_at", String(value));
    assert.match(r.reason, /^time column "created_at" /);
    assert.match(r.reason, reason);
  }
});

test("a time within the hour ahead is accepted", () => {
  const result = ok(mapOne(order({ created_at: new Date(NOW + 1_800_000) })));
  assert.equal(result.record.properties.time, NOW + 1_800_000);
});

test("epoch seconds, dates and zoned text become whole milliseconds", () => {
  const cases: Array<[unknown, number]> = [
    [1717236000, 1717236000000],
    [1717236000123.9, 1717236000123],
    ["2024-05-31", Date.parse("2024-05-31T00:00:00Z")],
    ["2024-05-31 10:00:00+02", Date.parse("2024-05-31T08:00:00Z")],
  ];
  for (const [value, ms] of cases) {
    assert.equal(
      ok(mapOne(order({ created_at: value }))).record.properties.time,
      ms,
    );
  }
});

test("a 300-character multibyte string is cut at a character boundary", () => {
  const text = "été 🚀 ".repeat(50); // 300 UTF-16 units, 2-, 3- and 4-byte chars
  const result = ok(mapOne(order({ currency: text })));
  const sent = result.record.properties.currency as string;
  assert.ok(Buffer.byteLength(sent) <= 255);
  assert.ok(Buffer.byteLength(sent) > 250);
  assert.ok(text.startsWith(sent));
  assert.equal(Buffer.from(sent).toString(), sent, "no broken character");
  assert.deepEqual(result.truncated, ["currency"]);
});

test("300 columns sent with includeRest exceed 255 properties and reject", () => {
  const wide: Record<string, unknown> = order();
  for (let i = 0; i < 300; i++) wide[`c${i}`] = i;
  const r = rejected(mapOne(wide, { includeRest: true }));
  assert.equal(r.field, "properties");
  assert.match(r.reason, /30\d properties.*at most 255.*select fewer/);
});

test("json nested five deep is rejected naming the column; three is fine", () => {
  const five = { a: { b: { c: { d: { e: 1 } } } } };
  const r = rejected(
    mapOne(order({ payload: five }), { properties: { data: "payload" } }),
  );
  assert.equal(r.field, "payload");
  assert.match(r.reason, /more than 3 levels deep.*Flatten it/);

  const three = { a: { b: { c: 1 } }, list: [{ x: 1 }] };
  const result = ok(
    mapOne(order({ payload: three }), { properties: { data: "payload" } }),
  );
  assert.deepEqual(result.record.properties.data, three);
});

test("numbers beyond a double's precision stay exact strings", () => {
  const result = ok(
    mapOne(
      order({
        big: "9007199254740993", // int8 above 2^53, as the source gives it
        wide: "12345678901234567890", // numeric with 20 digits
        huge: 2n ** 60n,
        small: 12n,
        nan: Number.NaN,
      }),
      {
        properties: {
          big: "big",
          wide: "wide",
          huge: "huge",
          small: "small",
          nan: "nan",
        },
      },
    ),
  );
  const p = result.record.properties;
  assert.equal(p.big, "9007199254740993");
  assert.equal(p.wide, "12345678901234567890");
  assert.equal(p.huge, "1152921504606846976");
  assert.equal(p.small, 12);
  assert.equal(p.nan, "NaN");
});

test("dates become Mixpanel's UTC format; lists and objects are kept", () => {
  const result = ok(
    mapOne(
      order({
        shipped: new Date("2024-05-31T11:00:00Z"),
        paid: new Date("2024-05-31T11:00:00.250Z"),
        due: "2024-06-30",
        tags: ["gift", null, "express"],
        addr: { city: "Lyon", zip: null },
      }),
      {
        properties: {
          shipped: "shipped",
          paid: "paid",
          due: "due",
          tags: "tags",
          addr: "addr",
        },
      },
    ),
  );
  const p = result.record.properties;
  assert.equal(p.shipped, "2024-05-31T11:00:00");
  assert.equal(p.paid, "2024-05-31T11:00:00.250");
  assert.equal(p.due, "2024-06-30");
  assert.deepEqual(p.tags, ["gift", null, "express"]);
  assert.deepEqual(p.addr, { city: "Lyon", zip: null });
});

test("NULL properties are left out of events", () => {
  const result = ok(mapOne(order({ currency: null })));
  assert.equal("currency" in result.record.properties, false);
});

test("reserved column names from includeRest never clobber the real ones", () => {
  const row = order({
    time: "yesterday",
    token: "secret-ish",
    distinct_id: "x",
    note: "hi",
  });
  const result = ok(mapOne(row, { includeRest: true }));
  const p = result.record.properties;
  assert.equal(p.time, Date.parse("2024-05-31T10:15:30.123Z"));
  assert.equal(p.distinct_id, "u_42");
  assert.equal("token" in p, false);
  assert.equal(p.note, "hi");
  assert.equal(p.company_id, 7, "unmapped columns are sent");
  assert.equal("total" in p, false, "a mapped column is not repeated");
  assert.equal("order_id" in p, false, "id columns are not repeated");
});

test("an IP column is sent for geolocation when present", () => {
  const withIp = ok(
    mapOne(order({ ip_address: "203.0.113.9" }), { ip: "ip_address" }),
  );
  assert.equal(withIp.record.properties.ip, "203.0.113.9");
  const nullIp = ok(mapOne(order(), { ip: "ip_address" }));
  assert.equal(nullIp.record.properties.ip, "0");
});

test("a throwing function mapping rejects the row naming the property", () => {
  const r = rejected(
    mapOne(order(), {
      properties: {
        label: () => {
          throw new Error("no label");
        },
      },
    }),
  );
  assert.equal(r.field, "label");
  assert.match(r.reason, /threw: no label/);
});

test("a function returning invalid UTF-8 is caught before sending", () => {
  const r = rejected(
    mapOne(order(), { properties: { bad: () => "a\uD800b" } }),
  );
  assert.equal(r.field, "bad");
  assert.match(r.reason, /valid utf8/);
});

test("a column the query does not return fails the task, not the row", () => {
  assert.throws(
    () => mapOne(order(), { properties: { amount: "totl" } }),
    (error: unknown) =>
      error instanceof DagDefinitionError &&
      /column "totl".*returns only order_id, user_id/.test(error.message),
  );
});

test("zone-less time text is read in the connection's zone", () => {
  const paris = postgres("paris", {
    url: "postgres://u@h/db",
    timezone: "Europe/Paris",
  });
  const shop = dag("shop", {}, (d) => {
    d.events("orders", {
      from: paris.query`select * from orders`,
      to: product,
      ...mapping,
    });
  });
  const map = compileMapper(shop.task("orders") as EventsTask, {
    now: () => NOW,
  });
  const cases: Array<[string, string]> = [
    ["2024-05-31 10:00:00", "2024-05-31T08:00:00Z"], // CEST, UTC+2
    ["2024-01-15", "2024-01-14T23:00:00Z"], // CET midnight
  ];
  for (const [text, utc] of cases) {
    const result = ok(map(order({ created_at: text })));
    assert.equal(result.record.properties.time, Date.parse(utc), text);
  }
});
