import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  LIMITS,
  isForbiddenId,
  timeToMs,
  validateImportEvent,
  validateProfileUpdate,
} from "../../core/mixpanel/rules.ts";
import type { EventValidationOptions } from "../../core/mixpanel/rules.ts";

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

function event(properties: Record<string, unknown>, name = "Signed Up") {
  return {
    event: name,
    properties: {
      time: NOW - 60_000,
      distinct_id: "u_42",
      $insert_id: "ins-0001",
      ...properties,
    },
  };
}

function check(value: unknown, options: EventValidationOptions = {}) {
  return validateImportEvent(value, { nowMs: NOW, ...options });
}

describe("helpers", () => {
  test("forbidden ids match case-insensitively and include lmy47d", () => {
    assert.equal(isForbiddenId("NULL"), true);
    assert.equal(isForbiddenId("Undefined"), true);
    assert.equal(isForbiddenId("LMY47D"), true);
    assert.equal(isForbiddenId("00000000-0000-0000-0000-000000000000"), true);
    assert.equal(isForbiddenId("u_42"), false);
  });

  test("time below 1e10 is seconds, at or above is milliseconds", () => {
    assert.equal(timeToMs(1718716477), 1718716477000);
    assert.equal(timeToMs(1718716477.123), 1718716477123);
    assert.equal(timeToMs(1718716477123), 1718716477123);
    assert.equal(timeToMs(1e10), 1e10);
  });

  test("limits carry the documented numbers", () => {
    assert.equal(LIMITS.maxEventsPerRequest, 2000);
    assert.equal(LIMITS.maxImportBytes, 10_485_760);
    assert.equal(LIMITS.minTimeMs, 31_536_000_000);
  });
});

describe("validateImportEvent", () => {
  test("a well-formed event passes", () => {
    assert.equal(check(event({})), null);
  });

  test("a non-object event is refused", () => {
    assert.deepEqual(check([1]), {
      field: "event",
      message: "'event' is invalid: must be a JSON object",
    });
  });

  test("a blank event name is refused", () => {
    assert.deepEqual(check(event({}, "  ")), {
      field: "event",
      message: "'event' must not be missing or blank",
    });
  });

  test("missing properties are refused", () => {
    assert.deepEqual(check({ event: "x" }), {
      field: "properties",
      message: "'properties' is invalid: must be a JSON object",
    });
  });

  test("a missing time is refused", () => {
    assert.deepEqual(check(event({ time: undefined })), {
      field: "properties.time",
      message: "'properties.time' is invalid: must not be missing",
    });
  });

  test("a non-finite or non-numeric time is refused", () => {
    const expected = {
      field: "properties.time",
      message:
        "'properties.time' is invalid: must be specified as seconds since epoch",
    };
    assert.deepEqual(check(event({ time: "1718716477" })), expected);
    assert.deepEqual(check(event({ time: Infinity })), expected);
  });

  test("a time before 1971 is refused, in seconds or milliseconds", () => {
    const expected = {
      field: "properties.time",
      message: "'properties.time' is invalid: must not be before 1971-01-01",
    };
    assert.deepEqual(check(event({ time: 31535999 })), expected);
    assert.deepEqual(check(event({ time: 1e10 })), expected);
    assert.equal(check(event({ time: 31536000 })), null);
  });

  test("a time more than one hour ahead is refused", () => {
    assert.deepEqual(check(event({ time: NOW + 3_600_001 })), {
      field: "properties.time",
      message:
        "'properties.time' is invalid: must not be more than 1 hour in the future",
    });
    assert.equal(check(event({ time: NOW + 3_600_000 })), null);
  });

  test("original mode requires distinct_id", () => {
    const value = event({ distinct_id: undefined, $user_id: "u_1" });
    assert.deepEqual(check(value, { identityMode: "original" }), {
      field: "properties.distinct_id",
      message: "'properties.distinct_id' is invalid: must not be missing",
    });
  });

  test("simplified mode accepts $user_id or $device_id instead", () => {
    const value = event({ distinct_id: undefined, $device_id: "d-1" });
    assert.equal(check(value, { identityMode: "simplified" }), null);
    const bare = event({ distinct_id: undefined });
    assert.equal(check(bare)?.field, "properties.distinct_id");
  });

  test("an empty distinct_id means no user and is accepted", () => {
    assert.equal(check(event({ distinct_id: "" })), null);
  });

  test("a placeholder distinct_id is refused, numbers included", () => {
    assert.deepEqual(check(event({ distinct_id: "N/A" })), {
      field: "properties.distinct_id",
      message:
        "'properties.distinct_id' is invalid: \"N/A\" is a reserved placeholder value",
    });
    assert.equal(
      check(event({ distinct_id: -1 }))?.message,
      "'properties.distinct_id' is invalid: \"-1\" is a reserved placeholder value",
    );
  });

  test("a distinct_id that is an object is refused", () => {
    assert.deepEqual(check(event({ distinct_id: { id: 1 } })), {
      field: "properties.distinct_id",
      message: "'properties.distinct_id' is invalid: must be a string",
    });
  });

  test("strict mode requires $insert_id; non-strict does not", () => {
    const value = event({ $insert_id: undefined });
    assert.deepEqual(check(value), {
      field: "$insert_id",
      message: "'$insert_id' is invalid: must not be missing",
    });
    assert.equal(check(value, { strict: false }), null);
  });

  test("$insert_id characters are checked before its length", () => {
    const long = "ajs-next-" + "a".repeat(50) + ":1";
    assert.deepEqual(check(event({ $insert_id: long })), {
      field: "$insert_id",
      message:
        "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
    });
  });

  test("an $insert_id longer than 36 bytes is refused", () => {
    assert.equal(check(event({ $insert_id: "a".repeat(36) })), null);
    assert.deepEqual(check(event({ $insert_id: "a".repeat(37) })), {
      field: "$insert_id",
      message: "'$insert_id' is invalid: must not be longer than 36 bytes",
    });
  });

  test("a placeholder $insert_id is refused", () => {
    assert.deepEqual(check(event({ $insert_id: "Null" })), {
      field: "$insert_id",
      message:
        "'$insert_id' is invalid: \"Null\" is a reserved placeholder value",
    });
  });

  test("more than 255 properties are refused, 255 are fine", () => {
    const extra = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));
    assert.equal(check(event(extra(252))), null);
    assert.deepEqual(check(event(extra(253))), {
      field: "properties",
      message:
        "'properties' is invalid: must not have more than 255 properties (got 256)",
    });
  });

  test("objects nested deeper than three levels are refused", () => {
    assert.equal(check(event({ a: { b: { c: { d: 1 } } } })), null);
    assert.deepEqual(check(event({ a: { b: { c: { d: { e: 1 } } } } })), {
      field: "properties.a",
      message:
        "'properties.a' is invalid: nested objects must not be more than 3 levels deep",
    });
  });

  test("nested objects with 255 keys are refused", () => {
    const keys = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.equal(check(event({ o: keys(254) })), null);
    assert.deepEqual(check(event({ o: keys(255) })), {
      field: "properties.o",
      message:
        "'properties.o' is invalid: nested objects must have fewer than 255 keys",
    });
  });

  test("lists with 255 items are refused", () => {
    assert.equal(check(event({ tags: Array(254).fill("x") })), null);
    assert.deepEqual(check(event({ tags: Array(255).fill("x") })), {
      field: "properties.tags",
      message:
        "'properties.tags' is invalid: lists must have fewer than 255 items",
    });
  });

  test("lone surrogates are invalid UTF-8, in values and nested", () => {
    assert.deepEqual(check(event({ utm_source: "ab\uD800" })), {
      field: "properties.utm_source",
      message: "properties.utm_source is invalid: string should be valid utf8",
    });
    assert.equal(
      check(event({ meta: { list: ["\uDC00x"] } }))?.field,
      "properties.meta",
    );
    assert.equal(check(event({ emoji: "ok \uD83D\uDE00" })), null);
  });

  test("replacement characters count as invalid when asked", () => {
    const value = event({ name: "caf\uFFFD" });
    assert.equal(check(value), null);
    assert.equal(
      check(value, { replacementCharIsInvalid: true })?.field,
      "properties.name",
    );
  });

  test("an event of 1 MiB of JSON is refused", () => {
    const big = event({ blob: "x".repeat(LIMITS.maxEventBytes) });
    assert.equal(check(big)?.field, "event");
    assert.match(
      check(big)?.message ?? "",
      /^'event' is invalid: must be smaller than 1048576 bytes of JSON \(got \d+\)$/,
    );
  });
});

describe("validateProfileUpdate", () => {
  const user = (more: Record<string, unknown>) => ({
    $token: "tok",
    $distinct_id: "u_42",
    ...more,
  });
  const group = (more: Record<string, unknown>) => ({
    $token: "tok",
    $group_key: "company_id",
    $group_id: "acme",
    ...more,
  });

  test("well-formed updates of every operation pass", () => {
    for (const op of [
      { $set: { plan: "pro", seats: null } },
      { $set_once: { first: 1 } },
      { $add: { visits: -2 } },
      { $append: { seen: "x" } },
      { $union: { tags: ["a", 1] } },
      { $remove: { tags: "a" } },
      { $unset: ["plan"] },
      { $delete: "" },
    ]) {
      assert.equal(validateProfileUpdate(user(op), "user"), null);
    }
  });

  test("a non-object update is refused", () => {
    assert.deepEqual(validateProfileUpdate("x", "user"), {
      field: "update",
      message: "update, must be a JSON object",
    });
  });

  test("a missing $distinct_id is refused with the engage wording", () => {
    const value = { $token: "tok", $set: { a: 1 } };
    assert.deepEqual(validateProfileUpdate(value, "user"), {
      field: "$distinct_id",
      message: "$distinct_id, missing or empty",
    });
  });

  test("a missing $token is refused", () => {
    assert.deepEqual(
      validateProfileUpdate({ $distinct_id: "u", $set: {} }, "user"),
      { field: "$token", message: "$token, missing or empty" },
    );
  });

  test("an unknown $token is refused only when known tokens are given", () => {
    const value = user({ $set: { a: 1 } });
    assert.equal(validateProfileUpdate(value, "user"), null);
    const knownTokens = new Set(["other"]);
    assert.deepEqual(validateProfileUpdate(value, "user", { knownTokens }), {
      field: "$token",
      message: "$token, not a known project token",
    });
  });

  test("groups need $group_key and $group_id", () => {
    const noKey = { $token: "tok", $group_id: "acme", $set: { a: 1 } };
    assert.deepEqual(validateProfileUpdate(noKey, "group"), {
      field: "$group_key",
      message: "$group_key, missing or empty",
    });
    const noId = { $token: "tok", $group_key: "company_id", $set: { a: 1 } };
    assert.deepEqual(validateProfileUpdate(noId, "group"), {
      field: "$group_id",
      message: "$group_id, missing or empty",
    });
  });

  test("an update without an operation is refused", () => {
    assert.deepEqual(validateProfileUpdate(user({}), "user"), {
      field: "update",
      message:
        "update, must contain one of $set_once, $set, $add, $append, $union, $remove, $unset, $delete",
    });
  });

  test("$add needs numbers", () => {
    assert.deepEqual(
      validateProfileUpdate(user({ $add: { n: "1" } }), "user"),
      {
        field: "$add.n",
        message: "$add.n, must be a number",
      },
    );
  });

  test("$union needs lists unless a scalar is allowed", () => {
    const value = user({ $union: { tags: "a" } });
    assert.deepEqual(validateProfileUpdate(value, "user"), {
      field: "$union.tags",
      message: "$union.tags, must be a list",
    });
    const lenient = { unionScalarAsList: true };
    assert.equal(validateProfileUpdate(value, "user", lenient), null);
  });

  test("$unset needs a list of property names", () => {
    const expected = {
      field: "$unset",
      message: "$unset, must be a list of property names",
    };
    for (const bad of ["plan", [1], []]) {
      assert.deepEqual(
        validateProfileUpdate(user({ $unset: bad }), "user"),
        expected,
      );
    }
  });

  test("$set needs an object", () => {
    assert.deepEqual(validateProfileUpdate(user({ $set: [1] }), "user"), {
      field: "$set",
      message: "$set, must be an object",
    });
  });

  test("$add and $append are refused on groups", () => {
    assert.deepEqual(
      validateProfileUpdate(group({ $add: { n: 1 } }), "group"),
      {
        field: "$add",
        message: "$add, not supported for group profiles",
      },
    );
    assert.equal(
      validateProfileUpdate(group({ $append: { l: 1 } }), "group")?.message,
      "$append, not supported for group profiles",
    );
    assert.equal(
      validateProfileUpdate(group({ $set: { a: 1 } }), "group"),
      null,
    );
  });

  test("an operation with more than 2000 properties is refused", () => {
    const many = Object.fromEntries(
      Array.from({ length: 2001 }, (_, i) => [`p${i}`, i]),
    );
    assert.deepEqual(validateProfileUpdate(user({ $set: many }), "user"), {
      field: "$set",
      message: "$set, must not have more than 2000 properties",
    });
  });

  test("invalid UTF-8 inside $set is refused", () => {
    const value = user({ $set: { name: "a\uDBFF" } });
    assert.deepEqual(validateProfileUpdate(value, "user"), {
      field: "$set.name",
      message: "$set.name is invalid: string should be valid utf8",
    });
  });

  test("an update of 1 MiB of JSON is refused", () => {
    const value = user({ $set: { blob: "x".repeat(1024 * 1024) } });
    assert.match(
      validateProfileUpdate(value, "user")?.message ?? "",
      /^update, must be smaller than 1048576 bytes of JSON \(got \d+\)$/,
    );
  });
});
