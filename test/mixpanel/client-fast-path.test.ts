/**
 * What the sync engine's fast path uses of the client: records written
 * in place into the batch buffer (`out` + `commitJson`), cut by count and
 * bytes like pushed records, gzipped off the main thread; and pacing
 * below an ingestion cap.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import { IngestionLimiter } from "../../core/mixpanel/rate-limiter.ts";
import type { BatchAck } from "../../core/mixpanel/types.ts";
import { makeEvents, startFixture, type Fixture } from "./emulator-fixture.ts";

describe("records written in place", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  beforeEach(() => fx.emulator.state.reset());
  after(() => fx.close());

  it("are cut by count and by bytes and all arrive, gzipped", async () => {
    const events = makeEvents(45);
    const sizes = events.map((e) => Buffer.byteLength(JSON.stringify(e)));
    // Room for about four records per request by bytes.
    const maxBytes = Math.max(...sizes) * 4 + 3;
    const acks: BatchAck<number>[] = [];
    const sender = fx
      .client({ events: { maxRecords: 10, maxBytes }, gzipLevel: 1 })
      .createSender<number>("events", {
        onBatch: (ack) => void acks.push(ack),
      });
    for (const [i, event] of events.entries()) {
      const out = sender.out;
      const start = out.pos;
      out.json(event);
      await sender.commitJson(start, i);
    }
    const stats = await sender.flush();

    const keys = acks
      .sort((a, b) => a.sequence - b.sequence)
      .flatMap((a) => a.keys);
    assert.deepEqual(
      keys,
      events.map((_, i) => i),
    );
    assert.ok(acks.every((a) => a.keys.length <= 4));
    assert.equal(stats.delivered, 45);
    const requests = await fx.requests();
    assert.ok(requests.every((r) => r.contentEncoding === "gzip"));
    const stored = await fx.events();
    assert.deepEqual(
      stored.map((e) => e.properties.$insert_id).sort(),
      events.map((e) => e.properties.$insert_id).sort(),
    );
  });

  it("a record dropped before its commit is not sent", async () => {
    const sender = fx.client().createSender<number>("events");
    const [kept, dropped] = makeEvents(2);
    let start = sender.out.pos;
    sender.out.json(dropped);
    sender.out.pos = start;
    start = sender.out.pos;
    sender.out.json(kept);
    await sender.commitJson(start, 0);
    await sender.flush();
    const stored = await fx.events();
    assert.deepEqual(
      stored.map((e) => e.properties.$insert_id),
      [kept!.properties.$insert_id],
    );
  });
});

describe("pacing below an ingestion cap", () => {
  it("lets a full bucket pass, then spreads requests over time", async () => {
    let now = 0;
    const limiter = new IngestionLimiter({ eventsPerSecond: 1000 }, () => now);
    const signal = new AbortController().signal;
    await limiter.take(1000, 0, signal); // the full bucket
    const started = Date.now();
    now += 500; // half a second of refill: 500 records
    await limiter.take(500, 0, signal);
    assert.ok(Date.now() - started < 50, "no wait while tokens remain");
  });

  it("waits for tokens, and a byte bucket binds on its own", async () => {
    const limiter = new IngestionLimiter({
      eventsPerSecond: 1_000_000,
      bytesPerSecond: 10_000,
      burstSeconds: 0.01,
    });
    const signal = new AbortController().signal;
    const started = Date.now();
    for (let i = 0; i < 5; i++) await limiter.take(1, 100, signal);
    // 100 bytes of burst, then 400 bytes at 10,000 B/s: about 40 ms.
    assert.ok(Date.now() - started >= 30, `took ${Date.now() - started} ms`);
  });

  it("an abort ends the wait, and later requests still pass", async () => {
    const limiter = new IngestionLimiter({
      eventsPerSecond: 1,
      burstSeconds: 1,
    });
    const controller = new AbortController();
    await limiter.take(1, 0, controller.signal);
    const waiting = limiter.take(1, 0, controller.signal);
    controller.abort(new Error("stop"));
    await assert.rejects(waiting, /stop/);
    assert.equal(new IngestionLimiter({}).active, false);
  });

  it("paces a client below the cap it is given", async () => {
    const fx = await startFixture({
      faults: { rateLimit: { eventsPerSecond: 400 } },
    });
    try {
      const client = fx.client({
        events: { maxRecords: 50 },
        concurrency: 8,
        rateLimit: { eventsPerSecond: 400, burstSeconds: 0.25 },
      });
      const started = Date.now();
      const result = await client.importEvents(makeEvents(300));
      const seconds = (Date.now() - started) / 1000;
      assert.equal(result.delivered, 300);
      const refused = (await fx.requests()).filter((r) => r.status === 429);
      assert.equal(refused.length, 0, "no request went over the cap");
      assert.ok(seconds >= 0.5, `300 records at 400/s took ${seconds} s`);
    } finally {
      await fx.close();
    }
  });
});
