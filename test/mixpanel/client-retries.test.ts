/**
 * Transient failures injected by the emulator: the client waits, resends
 * and ends with every event stored once.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import { MixpanelError } from "../../core/mixpanel/mixpanel-error.ts";
import { makeEvents, startFixture, type Fixture } from "./emulator-fixture.ts";

const insertIds = (events: { properties: Record<string, unknown> }[]) =>
  events.map((e) => e.properties.$insert_id).sort();

describe("retries", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  beforeEach(async () => {
    fx.emulator.state.reset();
    await fx.faults({});
  });
  after(() => fx.close());

  it("waits at least Retry-After after a 429", async () => {
    await fx.faults({ status429: { count: 1, retryAfterSeconds: 1 } });
    const events = makeEvents(20);
    const started = performance.now();
    const result = await fx.client().importEvents(events);
    const waited = performance.now() - started;

    assert.ok(waited >= 1000, `took ${Math.round(waited)} ms`);
    assert.equal(result.delivered, 20);
    assert.equal(result.retries, 1);
    assert.deepEqual(
      (await fx.requests()).map((r) => r.status),
      [429, 200],
    );
  });

  it("resends after 5xx answers until one succeeds", async () => {
    await fx.faults({ status5xx: { count: 2, status: 502, body: "html" } });
    const events = makeEvents(10);
    const result = await fx.client().importEvents(events);

    assert.deepEqual(
      [result.delivered, result.requests, result.retries],
      [10, 3, 2],
    );
    assert.deepEqual(
      (await fx.requests()).map((r) => r.status),
      [502, 502, 200],
    );
    assert.deepEqual(insertIds(await fx.events()), insertIds(events));
  });

  it("resends a batch whose reply was lost; the emulator dedupes it", async () => {
    await fx.faults({ resetAfter: { count: 1 } });
    const events = makeEvents(50);
    const result = await fx.client().importEvents(events);

    assert.equal(result.delivered, 50);
    assert.equal(result.retries, 1);
    const stats = await fx.stats();
    assert.ok(stats.duplicates > 0, "the resend arrived as duplicates");
    assert.equal(stats.events, 50);
    assert.deepEqual(insertIds(await fx.events()), insertIds(events));
  });

  it("retries a connection reset before the batch was applied", async () => {
    await fx.faults({ resetBefore: { count: 2 } });
    const result = await fx.client().importEvents(makeEvents(5));
    assert.deepEqual([result.delivered, result.retries], [5, 2]);
    assert.equal((await fx.stats()).duplicates, 0);
  });

  it("retries a request that timed out", async () => {
    await fx.faults({ latency: { count: 1, ms: 400 } });
    const result = await fx
      .client({ requestTimeoutMs: 100 })
      .importEvents(makeEvents(5));
    assert.deepEqual([result.delivered, result.retries], [5, 1]);
  });

  it("gives up after maxAttempts with RETRIES_EXHAUSTED", async () => {
    await fx.faults({ status5xx: { status: 503 } });
    const client = fx.client({
      retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    });
    await assert.rejects(client.importEvents(makeEvents(4)), (error) => {
      assert.ok(error instanceof MixpanelError);
      assert.equal(error.code, "MIXPANEL_RETRIES_EXHAUSTED");
      assert.equal(error.lastCode, "MIXPANEL_SERVER");
      assert.equal(error.attempts, 3);
      assert.equal(error.retryable, true);
      assert.match(error.message, /after 3 attempt\(s\).*HTTP 503/);
      return true;
    });
    assert.equal((await fx.requests()).length, 3);
  });

  it("gives up when the next wait would pass maxElapsedMs", async () => {
    await fx.faults({ status429: { retryAfterSeconds: 5 } });
    const client = fx.client({ retry: { maxElapsedMs: 1000 } });
    const started = performance.now();
    await assert.rejects(client.importEvents(makeEvents(1)), {
      code: "MIXPANEL_RETRIES_EXHAUSTED",
      lastCode: "MIXPANEL_RATE_LIMITED",
    });
    assert.ok(performance.now() - started < 1000, "did not sleep 5 s");
  });

  it("does not resend $add updates after a 5xx", async () => {
    await fx.faults({ status5xx: { count: 1, status: 500 } });
    const client = fx.client();
    const updates = [{ $distinct_id: "u1", $add: { logins: 1 } }];
    await assert.rejects(client.updateUsers(updates), {
      code: "MIXPANEL_SERVER",
    });
    assert.equal((await fx.requests()).length, 1);
  });

  it("resends $add updates after a 429, which applied nothing", async () => {
    await fx.faults({ status429: { count: 1, retryAfterSeconds: 0 } });
    const updates = [{ $distinct_id: "u1", $add: { logins: 1 } }];
    const result = await fx.client().updateUsers(updates);
    assert.deepEqual([result.delivered, result.retries], [1, 1]);
  });
});
