import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { startEmulator } from "../../core/emulator/index.ts";
import type { Emulator } from "../../core/emulator/index.ts";
import { get, getJson, post } from "./helpers.ts";

const TOKEN = "tok-profiles";
let emulator: Emulator;

before(async () => {
  emulator = await startEmulator({ projects: [{ token: TOKEN }] });
});
after(() => emulator.close());
beforeEach(() => emulator.state.reset());

type Profile = Record<string, unknown> & {
  $properties: Record<string, unknown>;
};

const engage = (updates: unknown[], query = "") =>
  post(`${emulator.url}/engage${query}`, JSON.stringify(updates), {
    "content-type": "application/json",
  });
const groups = (updates: unknown[], query = "") =>
  post(`${emulator.url}/groups${query}`, JSON.stringify(updates));
const user = (more: Record<string, unknown>) => ({
  $token: TOKEN,
  $distinct_id: "u_1",
  ...more,
});
const group = (more: Record<string, unknown>) => ({
  $token: TOKEN,
  $group_key: "company_id",
  $group_id: "acme",
  ...more,
});
const profiles = () => getJson<Profile[]>(`${emulator.url}/_emulator/profiles`);

describe("/engage", () => {
  test("every operation is applied in order", async () => {
    const reply = await engage([
      user({ $set: { plan: "pro", seats: 2, tags: ["a"], gone: 1 } }),
      user({ $set_once: { plan: "free", first: "2024-01-01" } }),
      user({ $add: { seats: 3 } }),
      user({ $append: { seen: "x" } }),
      user({ $union: { tags: ["a", "b"] } }),
      user({ $remove: { tags: "a" } }),
      user({ $unset: ["gone"], $ignore_time: true }),
    ]);
    assert.equal(reply.text, "1");

    const [profile] = await profiles();
    const { $last_seen, ...properties } = profile!.$properties;
    assert.equal(profile!.$distinct_id, "u_1");
    assert.match(String($last_seen), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.deepEqual(properties, {
      plan: "pro",
      seats: 5,
      tags: ["b"],
      first: "2024-01-01",
      seen: ["x"],
    });
  });

  test("$ignore_time leaves $last_seen out and $delete removes the profile", async () => {
    await engage([user({ $set: { a: 1 }, $ignore_time: true })]);
    assert.deepEqual((await profiles())[0]!.$properties, { a: 1 });
    await engage([user({ $delete: "" })]);
    assert.deepEqual(await profiles(), []);
  });

  test("a batch with a bad update answers per the verbose flag", async () => {
    const batch = [user({ $set: { a: 1 } }), { $token: TOKEN, $set: { a: 1 } }];
    const error = "Engage API error: $distinct_id, missing or empty";

    assert.equal((await engage(batch)).text, "1");
    assert.equal((await engage(batch.slice(1))).text, "0");
    const verbose = await engage(batch, "?verbose=1");
    assert.equal(verbose.status, 200);
    assert.deepEqual(JSON.parse(verbose.text), { status: 0, error });
    const loud = await engage(batch, "?verbose=2");
    assert.equal(loud.status, 400);
    assert.deepEqual(JSON.parse(loud.text), { error, status: 0 });
    const strict = await engage(batch, "?strict=1&verbose=1");
    assert.deepEqual(JSON.parse(strict.text), {
      status: 0,
      error,
      num_good_events: 1,
    });
    const ok = await engage(batch.slice(0, 1), "?verbose=1");
    assert.deepEqual(JSON.parse(ok.text), { status: 1, error: null });
  });

  test("gzip bodies are refused with a 400", async () => {
    const body = gzipSync(JSON.stringify([user({ $set: { a: 1 } })]));
    const reply = await post(`${emulator.url}/engage`, body, {
      "content-encoding": "gzip",
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(JSON.parse(reply.text), {
      error: "gzip-compressed bodies are not accepted on /engage",
      status: 0,
    });
  });

  test("an unknown token is answered 1, stored nowhere, and logged", async () => {
    const reply = await engage([{ ...user({ $set: { a: 1 } }), $token: "x" }]);
    assert.equal(reply.text, "1");
    assert.deepEqual(await profiles(), []);
    const [rejection] = await getJson<Array<Record<string, unknown>>>(
      `${emulator.url}/_emulator/rejections`,
    );
    assert.equal(rejection!.field, "$token");
  });

  test("form bodies: raw JSON with '+' for spaces, and GET ?data= base64", async () => {
    const raw = encodeURIComponent(
      JSON.stringify([user({ $set: { name: "Ann Lee" } })]),
    ).replace(/%20/g, "+");
    const form = await post(`${emulator.url}/engage`, `data=${raw}`, {
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(form.text, "1");
    assert.equal((await profiles())[0]!.$properties.name, "Ann Lee");

    const data = Buffer.from(
      JSON.stringify(user({ $distinct_id: "u_2", $set: { b: ">>>" } })),
    ).toString("base64");
    const viaGet = await get(
      `${emulator.url}/engage?data=${encodeURIComponent(data)}`,
    );
    assert.equal(viaGet.text, "1");
    assert.equal((await profiles()).length, 2);
  });
});

describe("/groups", () => {
  test("group updates are stored by key and id", async () => {
    const reply = await groups(
      [group({ $set: { name: "Acme" } }), group({ $union: { tiers: "gold" } })],
      "?verbose=1",
    );
    assert.deepEqual(JSON.parse(reply.text), { status: 1, error: null });
    const stored = await getJson<Profile[]>(`${emulator.url}/_emulator/groups`);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.$group_key, "company_id");
    assert.equal(stored[0]!.$group_id, "acme");
    assert.equal(stored[0]!.$properties.name, "Acme");
    assert.deepEqual(stored[0]!.$properties.tiers, ["gold"]);
  });

  test("$add is refused on groups", async () => {
    const reply = await groups([group({ $add: { n: 1 } })], "?verbose=1");
    assert.deepEqual(JSON.parse(reply.text), {
      status: 0,
      error: "Groups API error: $add, not supported for group profiles",
    });
    const stats = await getJson<{ groups: number; rejected: number }>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.deepEqual([stats.groups, stats.rejected], [0, 1]);
  });
});

test("unknownToken: error makes a bad token a failure", async () => {
  const strict = await startEmulator({
    projects: [{ token: TOKEN }],
    unknownToken: "error",
  });
  try {
    const reply = await post(
      `${strict.url}/engage`,
      JSON.stringify([{ $token: "x", $distinct_id: "u", $set: { a: 1 } }]),
    );
    assert.equal(reply.text, "0");
  } finally {
    await strict.close();
  }
});
