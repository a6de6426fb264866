/**
 * The pipelined sender: sequence numbers, acknowledgements by key,
 * backpressure, and how failures and aborts surface.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import { BackflowError } from "../../core/errors.ts";
import { MixpanelError } from "../../core/mixpanel/mixpanel-error.ts";
import type { BatchAck } from "../../core/mixpanel/types.ts";
import {
  makeEvent,
  makeEvents,
  startFixture,
  type Fixture,
} from "./emulator-fixture.ts";

describe("createSender", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture();
  });
  beforeEach(async () => {
    fx.emulator.state.reset();
    await fx.faults({});
  });
  after(() => fx.close());

  it("acknowledges numbered batches that cover every key once", async () => {
    const acks: BatchAck<string>[] = [];
    const sender = fx
      .client({ events: { maxRecords: 10 } })
      .createSender<string>("events", {
        onBatch: (ack) => void acks.push(ack),
      });
    const events = makeEvents(25);
    events[12] = makeEvent({ time: undefined });
    for (const [i, event] of events.entries())
      await sender.push(event, `row-${i}`);
    const stats = await sender.flush();

    acks.sort((a, b) => a.sequence - b.sequence);
    assert.deepEqual(
      acks.map((a) => a.sequence),
      [0, 1, 2],
    );
    assert.deepEqual(
      acks.flatMap((a) => a.keys),
      events.map((_, i) => `row-${i}`),
    );
    for (const ack of acks) {
      const settled = [...ack.delivered, ...ack.rejected.map((r) => r.key)];
      assert.deepEqual(settled.sort(), [...ack.keys].sort());
    }
    assert.deepEqual(acks[1]!.rejected, [
      {
        key: "row-12",
        field: "properties.time",
        message: "'properties.time' is invalid: must not be missing",
        source: "local",
      },
    ]);
    assert.deepEqual(
      [stats.batches, stats.delivered, stats.rejected, stats.requests],
      [3, 24, 1, 3],
    );
  });

  it("acknowledges a batch that was rejected entirely without a request", async () => {
    const acks: BatchAck<number>[] = [];
    const sender = fx.client().createSender<number>("events", {
      onBatch: (ack) => void acks.push(ack),
    });
    await sender.push(makeEvent({}, ""), 1);
    await sender.flush();
    assert.equal(acks.length, 1);
    assert.deepEqual(acks[0]!.keys, [1]);
    assert.equal((await fx.stats()).requests, 0);
  });

  it("makes push wait while the in-flight window is full", async () => {
    await fx.faults({ latency: { ms: 150 } });
    const sender = fx
      .client({ concurrency: 1, events: { maxRecords: 1 } })
      .createSender<number>("events");
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await sender.push(makeEvent(), i);
      timings.push(performance.now() - started);
    }
    await sender.flush();
    assert.ok(timings[0]! < 100, `first push took ${timings[0]} ms`);
    assert.ok(timings[1]! >= 100, `second push took ${timings[1]} ms`);
    assert.ok(timings[2]! >= 100, `third push took ${timings[2]} ms`);
  });

  it("rejects later pushes and flush with the first fatal error", async () => {
    const client = fx.client(
      { events: { maxRecords: 2 } },
      { username: "nobody", secret: "not-the-secret", projectId: 1 },
    );
    const sender = client.createSender<number>("events");
    const attempt = async () => {
      for (let i = 0; i < 50; i++) await sender.push(makeEvent(), i);
      await sender.flush();
    };
    await assert.rejects(attempt(), (error) => {
      assert.ok(error instanceof MixpanelError);
      assert.equal(error.code, "MIXPANEL_AUTH");
      return true;
    });
    await assert.rejects(sender.flush(), { code: "MIXPANEL_AUTH" });
  });

  it("surfaces an error thrown by onBatch", async () => {
    const sender = fx.client().createSender<number>("events", {
      onBatch: () => {
        throw new Error("checkpoint store is down");
      },
    });
    await sender.push(makeEvent(), 0);
    await assert.rejects(sender.flush(), /checkpoint store is down/);
  });

  it("stops promptly when its signal aborts", async () => {
    await fx.faults({ latency: { ms: 800 } });
    const controller = new AbortController();
    const sender = fx
      .client()
      .createSender<number>("events", { signal: controller.signal });
    await sender.push(makeEvent(), 0);
    const flushing = sender.flush();
    setTimeout(() => controller.abort(new Error("task timed out")), 50);
    const started = performance.now();
    await assert.rejects(flushing, (error) => {
      assert.ok(error instanceof BackflowError);
      assert.equal(error.code, "ABORTED");
      assert.match(error.message, /task timed out/);
      return true;
    });
    assert.ok(performance.now() - started < 500);
  });
});
