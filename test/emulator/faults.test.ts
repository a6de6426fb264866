import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { startEmulator } from "../../core/emulator/index.ts";
import type { Emulator, FaultPlan } from "../../core/emulator/index.ts";
import { basic, event, getJson, post } from "./helpers.ts";

let emulator: Emulator;

before(async () => {
  emulator = await startEmulator({ projects: [{ token: "tok" }] });
});
after(() => emulator.close());
beforeEach(async () => {
  await post(`${emulator.url}/_emulator/faults`, "{}");
  await post(`${emulator.url}/_emulator/reset`, "");
});

const plan = (faults: FaultPlan) =>
  post(`${emulator.url}/_emulator/faults`, JSON.stringify(faults));
const send = (events = [event()]) =>
  post(`${emulator.url}/import?strict=1`, JSON.stringify(events), {
    authorization: basic("tok"),
  });
const stats = () =>
  getJson<Record<string, number>>(`${emulator.url}/_emulator/stats`);
const statuses = async (n: number) => {
  const seen: number[] = [];
  for (let i = 0; i < n; i++) seen.push((await send()).status);
  return seen;
};

test("429 for the first N requests, with Retry-After, nothing applied", async () => {
  await plan({ status429: { rate: 1, count: 2, retryAfterSeconds: 3 } });
  const first = await send();
  assert.equal(first.status, 429);
  assert.equal(first.headers["retry-after"], "3");
  assert.deepEqual(JSON.parse(first.text), {
    code: 429,
    error:
      "Project exceeded rate limits. Please retry the request with exponential backoff.",
    status: "Too Many Requests",
  });
  assert.deepEqual(await statuses(2), [429, 200]);
  assert.equal((await stats()).events, 1);
});

test("5xx with a non-JSON body, scoped to one endpoint, after a skip", async () => {
  await plan({
    status5xx: {
      status: 502,
      body: "html",
      skip: 1,
      count: 1,
      endpoints: ["/import"],
    },
  });
  const engage = await post(
    `${emulator.url}/engage`,
    JSON.stringify([{ $token: "tok", $distinct_id: "u", $set: { a: 1 } }]),
  );
  assert.equal(engage.status, 200);
  assert.equal((await send()).status, 200);
  const failed = await send();
  assert.equal(failed.status, 502);
  assert.equal(failed.headers["content-type"], "text/html");
  assert.throws(() => JSON.parse(failed.text));
  assert.equal((await send()).status, 200);
});

test("latency delays the reply", async () => {
  await plan({ latency: { ms: 150 } });
  const started = performance.now();
  await send();
  assert.ok(performance.now() - started >= 140);
});

test("a reset before applying stores nothing", async () => {
  await plan({ resetBefore: { count: 1 } });
  await assert.rejects(send());
  assert.equal((await stats()).events, 0);
  const [logged] = await getJson<Array<{ status: number }>>(
    `${emulator.url}/_emulator/requests`,
  );
  assert.equal(logged!.status, 0);
});

test("a reset after applying stores the batch, and the resend de-duplicates", async () => {
  await plan({ resetAfter: { count: 1 } });
  const batch = [event(), event()];
  await assert.rejects(send(batch));
  assert.equal((await stats()).events, 2);
  assert.equal((await send(batch)).status, 200);
  const after = await stats();
  assert.deepEqual([after.events, after.duplicates], [2, 2]);
});

test("a truncated reply is not JSON but the request was applied", async () => {
  await plan({ truncated: { count: 1 } });
  const reply = await send();
  assert.equal(reply.status, 200);
  assert.throws(() => JSON.parse(reply.text));
  assert.equal((await stats()).events, 1);
});

test("a seeded rate gives the same faults after every reset", async () => {
  await plan({ status5xx: { rate: 0.5 }, seed: 7 });
  const first = await statuses(12);
  await post(`${emulator.url}/_emulator/reset`, "");
  const second = await statuses(12);
  assert.deepEqual(second, first);
  assert.ok(first.includes(503) && first.includes(200));
});

test("the rate limit answers 429 beyond its records per second", async () => {
  await plan({ rateLimit: { eventsPerSecond: 10 } });
  const ten = Array.from({ length: 10 }, () => event());
  assert.equal((await send(ten)).status, 200);
  const limited = await send(ten);
  assert.equal(limited.status, 429);
  assert.ok(Number(limited.headers["retry-after"]) >= 1);
});
