/**
 * Local pre-validation through the client: a record that breaks a rule is
 * reported as `{index, field, message, source: "local"}`, exactly as the
 * rules module words it, and never reaches the server.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  validateImportEvent,
  validateProfileUpdate,
} from "../../core/mixpanel/rules.ts";
import type { MixpanelEvent } from "../../core/mixpanel/types.ts";
import {
  makeEvent,
  startFixture,
  TOKEN,
  type Fixture,
} from "./emulator-fixture.ts";

const NOW = Date.now();
const many = (n: number, value: (i: number) => unknown) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, value(i)]));

/** [title, event, the field the rule names, Mixpanel's exact message?] */
const EVENT_CASES: Array<[string, unknown, string, string?]> = [
  ["not an object", "Order", "event"],
  [
    "blank event name",
    makeEvent({}, "  "),
    "event",
    "'event' must not be missing or blank",
  ],
  ["properties not an object", { event: "E", properties: [] }, "properties"],
  [
    "missing time",
    makeEvent({ time: undefined }),
    "properties.time",
    "'properties.time' is invalid: must not be missing",
  ],
  [
    "time not a number",
    makeEvent({ time: "2024-01-01" }),
    "properties.time",
    "'properties.time' is invalid: must be specified as seconds since epoch",
  ],
  ["time before 1971", makeEvent({ time: 86_400 }), "properties.time"],
  [
    "time over an hour ahead",
    makeEvent({ time: NOW + 2 * 3_600_000 }),
    "properties.time",
  ],
  [
    "no distinct_id, $user_id or $device_id",
    makeEvent({ distinct_id: undefined }),
    "properties.distinct_id",
    "'properties.distinct_id' is invalid: must not be missing",
  ],
  [
    "placeholder distinct_id",
    makeEvent({ distinct_id: "Undefined" }),
    "properties.distinct_id",
  ],
  ["missing $insert_id", makeEvent({ $insert_id: undefined }), "$insert_id"],
  [
    "$insert_id with a colon",
    makeEvent({ $insert_id: "ajs:1" }),
    "$insert_id",
    "'$insert_id' is invalid: must only contain alphanumeric or hyphen " +
      "'-' characters",
  ],
  [
    "$insert_id over 36 bytes",
    makeEvent({ $insert_id: "a".repeat(37) }),
    "$insert_id",
  ],
  ["placeholder $insert_id", makeEvent({ $insert_id: "null" }), "$insert_id"],
  ["too many properties", makeEvent(many(260, (i) => i)), "properties"],
  [
    "objects nested too deep",
    makeEvent({ deep: { a: { b: { c: { d: 1 } } } } }),
    "properties.deep",
  ],
  [
    "nested object with too many keys",
    makeEvent({ wide: many(255, (i) => i) }),
    "properties.wide",
  ],
  [
    "list with too many items",
    makeEvent({ long: Array.from({ length: 255 }, (_, i) => i) }),
    "properties.long",
  ],
  [
    "invalid UTF-8 (lone surrogate)",
    makeEvent({ name: "bad \uD800 text" }),
    "properties.name",
    "properties.name is invalid: string should be valid utf8",
  ],
  ["event of 1 MiB", makeEvent({ blob: "x".repeat(1024 * 1024) }), "event"],
];

/** [title, kind, update, the field the rule names] */
const PROFILE_CASES: Array<[string, "user" | "group", unknown, string]> = [
  ["missing $distinct_id", "user", { $set: { a: 1 } }, "$distinct_id"],
  [
    "another project's $token",
    "user",
    { $token: "other-token", $distinct_id: "u1", $set: { a: 1 } },
    "$token",
  ],
  ["no operation", "user", { $distinct_id: "u1" }, "update"],
  ["$unset not a list", "user", { $distinct_id: "u1", $unset: "a" }, "$unset"],
  [
    "$add not a number",
    "user",
    { $distinct_id: "u1", $add: { n: "1" } },
    "$add.n",
  ],
  [
    "$union not a list",
    "user",
    { $distinct_id: "u1", $union: { l: 1 } },
    "$union.l",
  ],
  ["$set not an object", "user", { $distinct_id: "u1", $set: [1] }, "$set"],
  [
    "update of 1 MiB",
    "user",
    { $distinct_id: "u1", $set: { blob: "x".repeat(1024 * 1024) } },
    "update",
  ],
  [
    "missing $group_key",
    "group",
    { $group_id: "g1", $set: { a: 1 } },
    "$group_key",
  ],
  [
    "missing $group_id",
    "group",
    { $group_key: "company_id", $set: { a: 1 } },
    "$group_id",
  ],
  [
    "$add on a group",
    "group",
    { $group_key: "company_id", $group_id: "g1", $add: { n: 1 } },
    "$add",
  ],
];

describe("local pre-validation", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  after(() => fx.close());

  for (const [title, event, field, message] of EVENT_CASES) {
    it(`rejects an event locally: ${title}`, async () => {
      const client = fx.client({ now: () => NOW });
      const before = (await fx.stats()).requests;
      const result = await client.importEvents([event as MixpanelEvent]);

      const expected = validateImportEvent(event, { nowMs: NOW });
      assert.ok(expected, "the rules module must refuse this event");
      assert.equal(expected.field, field);
      if (message) assert.equal(expected.message, message);
      assert.deepEqual(result, {
        delivered: 0,
        rejected: [{ index: 0, ...expected, source: "local" }],
        requests: 0,
        retries: 0,
      });
      assert.equal((await fx.stats()).requests, before, "nothing was sent");
    });
  }

  for (const [title, kind, update, field] of PROFILE_CASES) {
    it(`rejects a ${kind} update locally: ${title}`, async () => {
      const client = fx.client();
      const before = (await fx.stats()).requests;
      const send = kind === "user" ? client.updateUsers : client.updateGroups;
      const result = await send.call(client, [
        update as Record<string, unknown>,
      ]);

      const withToken = { $token: TOKEN, ...(update as object) };
      const expected = validateProfileUpdate(withToken, kind, {
        knownTokens: new Set([TOKEN]),
      });
      assert.ok(expected, "the rules module must refuse this update");
      assert.equal(expected.field, field);
      assert.deepEqual(result.rejected, [
        { index: 0, ...expected, source: "local" },
      ]);
      assert.equal(result.requests, 0);
      assert.equal((await fx.stats()).requests, before, "nothing was sent");
    });
  }

  it("sends the valid rest of a batch and reports input indices", async () => {
    const client = fx.client();
    const events = Array.from({ length: 10 }, () => makeEvent());
    events[2] = makeEvent({ $insert_id: "a:b" });
    events[7] = makeEvent({}, "");
    fx.emulator.state.reset();
    const result = await client.importEvents(events);

    assert.equal(result.delivered, 8);
    assert.deepEqual(
      result.rejected.map((r) => [r.index, r.field, r.source]),
      [
        [2, "$insert_id", "local"],
        [7, "event", "local"],
      ],
    );
    const log = await fx.requests();
    assert.deepEqual(
      log.map((entry) => [entry.path, entry.records, entry.status]),
      [["/import", 8, 200]],
    );
  });
});
