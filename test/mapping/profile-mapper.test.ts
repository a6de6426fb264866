import assert from "node:assert/strict";
import { test } from "node:test";

import { compileMapper } from "../../core/mapping/compile-mapper.ts";
import {
  splitOperations,
  type MapResult,
} from "../../core/mapping/map-result.ts";
import { groupsTask, usersTask } from "../helpers/sync-tasks.ts";

const user = (over: Record<string, unknown> = {}) => ({
  id: 42,
  email: "ann@example.com",
  first: "Ann",
  last: "Lee",
  plan: null,
  signed_up: new Date("2023-02-01T09:30:00Z"),
  last_ip: null,
  prefs: { a: { b: { c: { d: { e: true } } } } },
  ...over,
});

function ok<R>(result: MapResult<R>) {
  assert.ok(result.ok, result.ok ? "" : JSON.stringify(result.rejection));
  return result;
}

const users = usersTask({
  userId: "id",
  ip: "last_ip",
  properties: {
    $email: "email",
    $name: (r) => `${r.first} ${r.last}`,
    plan: "plan",
    prefs: "prefs",
  },
  setOnce: { first_seen: "signed_up" },
});

test("a user row becomes an /engage update that does not geolocate or touch", () => {
  const result = ok(compileMapper(users, { token: "tok123" })(user()));
  assert.equal(result.key, "42");
  assert.deepEqual(result.record, {
    $token: "tok123",
    $distinct_id: "42",
    $ip: "0",
    $ignore_time: true,
    $set: {
      $email: "ann@example.com",
      $name: "Ann Lee",
      prefs: { a: { b: { c: { d: { e: true } } } } },
    },
    $set_once: { first_seen: "2023-02-01T09:30:00" },
  });
  assert.equal(Object.keys(result.record)[0], "$token");
});

test("NULL properties are not set and are listed for unsetting", () => {
  const result = ok(compileMapper(users)(user({ email: null })));
  assert.deepEqual(result.nullProperties, ["$email", "plan"]);
  assert.equal("$email" in (result.record.$set ?? {}), false);
  assert.equal("$token" in result.record, false, "the client adds the token");
});

test("with ignoreNulls, NULL properties are not listed", () => {
  const task = usersTask({
    userId: "id",
    properties: { plan: "plan" },
    ignoreNulls: true,
  });
  const result = ok(compileMapper(task)(user()));
  assert.equal(result.nullProperties, undefined);
});

test("an IP column geolocates the profile", () => {
  const result = ok(compileMapper(users)(user({ last_ip: "198.51.100.7" })));
  assert.equal(result.record.$ip, "198.51.100.7");
});

test("$set and $set_once split into one update per operation", () => {
  const { record } = ok(compileMapper(users, { token: "t" })(user()));
  const parts = splitOperations(record);
  assert.equal(parts.length, 2);
  assert.deepEqual(Object.keys(parts[0]!).sort(), [
    "$distinct_id",
    "$ignore_time",
    "$ip",
    "$set_once",
    "$token",
  ]);
  assert.deepEqual(Object.keys(parts[1]!).sort(), [
    "$distinct_id",
    "$ignore_time",
    "$ip",
    "$set",
    "$token",
  ]);
});

test("a NULL or placeholder user id is rejected naming the column", () => {
  const mapper = compileMapper(users);
  for (const id of [null, "0", "null", "", 0]) {
    const result = mapper(user({ id }));
    assert.ok(!result.ok, `user id ${String(id)} should be rejected`);
    assert.equal(result.rejection.field, "id");
    assert.equal(result.rejection.task, "users");
  }
});

const accounts = groupsTask({
  groupKey: "company_id",
  groupId: "id",
  properties: { $name: "name", seats: "seats", plan: "plan" },
});

test("a group row becomes a /groups update that neither locates nor touches the group", () => {
  const result = ok(
    compileMapper(accounts, { token: "tok" })({
      id: 7,
      name: "Acme",
      seats: 40,
      plan: null,
    }),
  );
  assert.deepEqual(result.record, {
    $token: "tok",
    $group_key: "company_id",
    $group_id: "7",
    $ip: "0",
    $ignore_time: true,
    $set: { $name: "Acme", seats: 40 },
  });
  assert.deepEqual(result.nullProperties, ["plan"]);
});

test('"0" is a valid group id, unlike a user id', () => {
  const result = ok(
    compileMapper(accounts)({ id: "0", name: "Zero", seats: 1, plan: "x" }),
  );
  assert.equal(result.record.$group_id, "0");
  assert.equal(result.key, "0");
});

test("a NULL group id is rejected naming the column", () => {
  const result = compileMapper(accounts)({
    id: null,
    name: "?",
    seats: 1,
    plan: null,
  });
  assert.ok(!result.ok);
  assert.equal(result.rejection.field, "id");
  assert.equal(result.rejection.rowKey, "(null)");
  assert.match(result.rejection.reason, /group id column "id" is NULL/);
});

test("includeRest on profiles skips reserved names and sends the rest", () => {
  const task = usersTask({ userId: "id", includeRest: true });
  const result = ok(
    compileMapper(task)({
      id: "u1",
      $distinct_id: "evil",
      $token: "x",
      city: "Oslo",
      gone: null,
    }),
  );
  assert.deepEqual(result.record.$set, { city: "Oslo" });
  assert.equal(result.record.$distinct_id, "u1");
  assert.deepEqual(result.nullProperties, ["gone"]);
});

test("an update Mixpanel already acknowledged skips the checks; any other is checked", () => {
  // A lone surrogate is not UTF-8: Mixpanel refuses the update.
  const row = user({ email: "ann\uD800@example.com" });

  const asked: unknown[] = [];
  const trusting = compileMapper(users, {
    acknowledged: (record) => {
      asked.push(record);
      return true;
    },
  });
  const skipped = ok(trusting(row));
  assert.deepEqual(asked, [skipped.record]);
  assert.deepEqual(skipped.nullProperties, ["plan"]);

  const checked = compileMapper(users, { acknowledged: () => false })(row);
  assert.equal(checked.ok, false);
  if (!checked.ok) {
    assert.equal(checked.rejection.rowKey, "42");
    assert.match(
      checked.rejection.reason,
      /\$set\.\$email is invalid: string should be valid utf8/,
    );
  }
});
