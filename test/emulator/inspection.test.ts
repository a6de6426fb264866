import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startEmulator } from "../../core/emulator/index.ts";
import type { Emulator } from "../../core/emulator/index.ts";
import { basic, event, get, getJson, post } from "./helpers.ts";

let emulator: Emulator;

before(async () => {
  emulator = await startEmulator({ projects: [{ token: "tok" }] });
});
after(() => emulator.close());

const inspect = <T>(route: string) =>
  getJson<T>(`${emulator.url}/_emulator/${route}`);

test("the inspection routes follow their contract", async () => {
  await post(
    `${emulator.url}/import?strict=1`,
    JSON.stringify([event(), event({ $insert_id: "bad id" })]),
    { authorization: basic("tok") },
  );
  await post(
    `${emulator.url}/engage`,
    JSON.stringify([{ $token: "tok", $distinct_id: "u", $set: { a: 1 } }]),
  );
  await post(
    `${emulator.url}/groups`,
    JSON.stringify([
      { $token: "tok", $group_key: "k", $group_id: "g", $set: { b: 2 } },
    ]),
  );

  assert.deepEqual(await inspect("stats"), {
    events: 1,
    duplicates: 0,
    profiles: 1,
    groups: 1,
    rejected: 1,
    requests: 3,
  });

  const events = await get(`${emulator.url}/_emulator/events`);
  assert.equal(events.headers["content-type"], "application/x-ndjson");
  const lines = events.text.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  assert.equal(JSON.parse(lines[0]!).event, "Paid");

  const profiles = await inspect<Array<Record<string, unknown>>>("profiles");
  assert.equal(profiles.length, 1);
  const { $last_seen, ...rest } = profiles[0]!.$properties as Record<
    string,
    unknown
  >;
  assert.equal(typeof $last_seen, "string");
  assert.equal(profiles[0]!.$distinct_id, "u");
  assert.deepEqual(rest, { a: 1 });
  const [groupProfile] =
    await inspect<Array<Record<string, unknown>>>("groups");
  assert.deepEqual(Object.keys(groupProfile!).sort(), [
    "$group_id",
    "$group_key",
    "$properties",
  ]);

  assert.deepEqual(await inspect("rejections"), [
    {
      endpoint: "/import",
      index: 1,
      field: "$insert_id",
      message:
        "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
    },
  ]);

  const requests = await inspect<Array<Record<string, unknown>>>("requests");
  assert.deepEqual(
    requests.map((r) => [r.method, r.path, r.status, r.records]),
    [
      ["POST", "/import", 400, 2],
      ["POST", "/engage", 200, 1],
      ["POST", "/groups", 200, 1],
    ],
  );
  assert.deepEqual(Object.keys(requests[0]!).sort(), [
    "bytes",
    "contentEncoding",
    "method",
    "path",
    "records",
    "status",
  ]);
  assert.equal(requests[0]!.contentEncoding, null);

  const reset = await post(`${emulator.url}/_emulator/reset`, "");
  assert.equal(reset.status, 200);
  assert.deepEqual(await inspect("stats"), {
    events: 0,
    duplicates: 0,
    profiles: 0,
    groups: 0,
    rejected: 0,
    requests: 0,
  });
  assert.deepEqual(await inspect("requests"), []);
  assert.equal((await get(`${emulator.url}/_emulator/events`)).text, "");
});

test("a fault plan is validated, readable and replaceable", async () => {
  const url = `${emulator.url}/_emulator/faults`;
  const bad = await post(url, JSON.stringify({ status429: { rate: 2 } }));
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.text).error, /status429\.rate/);
  const unknown = await post(url, JSON.stringify({ explode: true }));
  assert.equal(unknown.status, 400);

  const plan = { status429: { rate: 1, count: 2, retryAfterSeconds: 1 } };
  const set = await post(url, JSON.stringify(plan));
  assert.equal(set.status, 200);
  assert.deepEqual(await getJson(url), {
    status429: { rate: 1, count: 2, skip: 0, retryAfterSeconds: 1 },
  });
  await post(url, "{}");
  assert.deepEqual(await getJson(url), {});
});

test("unknown routes answer 404 in Mixpanel's shape", async () => {
  const reply = await post(`${emulator.url}/nowhere`, "[]");
  assert.equal(reply.status, 404);
  assert.equal(JSON.parse(reply.text).status, 0);
  assert.equal((await get(`${emulator.url}/_emulator/nope`)).status, 404);
});
