/**
 * The client against a real emulator over HTTP: gzip, credentials,
 * splitting on 413, per-record rejections mapped to input indices.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import { MixpanelError } from "../../core/mixpanel/mixpanel-error.ts";
import { setLogSink } from "../../core/util/log.ts";
import {
  makeEvent,
  makeEvents,
  startFixture,
  TOKEN,
  type Fixture,
} from "./emulator-fixture.ts";

const insertIds = (events: { properties: Record<string, unknown> }[]) =>
  events.map((e) => e.properties.$insert_id).sort();

describe("events over /import", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({
      projects: [
        {
          token: TOKEN,
          projectId: 4242,
          apiSecret: "client-test-api-secret",
          serviceAccounts: [{ username: "bot", secret: "client-test-sa" }],
        },
      ],
    });
  });
  beforeEach(() => fx.emulator.state.reset());
  after(() => fx.close());

  it("gzips NDJSON bodies and stores every event exactly", async () => {
    const events = makeEvents(300, 40);
    const result = await fx.client().importEvents(events);

    assert.deepEqual(result, {
      delivered: 300,
      rejected: [],
      requests: 1,
      retries: 0,
    });
    const [entry] = await fx.requests();
    const json = Buffer.byteLength(
      events.map((e) => JSON.stringify(e)).join("\n"),
    );
    assert.equal(entry!.contentEncoding, "gzip");
    assert.ok(entry!.bytes < json / 3, `${entry!.bytes} vs ${json} plain`);
    assert.deepEqual(insertIds(await fx.events()), insertIds(events));
  });

  it("sends nothing for an empty array", async () => {
    const result = await fx.client().importEvents([]);
    assert.deepEqual(result, {
      delivered: 0,
      rejected: [],
      requests: 0,
      retries: 0,
    });
    assert.equal((await fx.stats()).requests, 0);
  });

  it("sends plain bodies when gzipLevel is 0", async () => {
    await fx.client({ gzipLevel: 0 }).importEvents(makeEvents(5));
    const [entry] = await fx.requests();
    assert.equal(entry!.contentEncoding, null);
  });

  it("accepts service-account, API-secret and token credentials", async (t) => {
    // The API secret draws a once-per-process deprecation warning.
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    t.after(() => setLogSink((line) => process.stderr.write(line + "\n")));

    const variants = [
      { username: "bot", secret: "client-test-sa", projectId: 4242 },
      { apiSecret: "client-test-api-secret" },
      {},
    ];
    for (const credentials of variants) {
      const result = await fx
        .client({}, credentials)
        .importEvents(makeEvents(2));
      assert.equal(
        result.delivered,
        2,
        JSON.stringify(Object.keys(credentials)),
      );
    }
    assert.equal((await fx.stats()).events, 6);
  });

  it("fails fast on 401 without retrying", async () => {
    const client = fx.client(
      {},
      { username: "bot", secret: "wrong-secret", projectId: 4242 },
    );
    await assert.rejects(client.importEvents(makeEvents(3)), (error) => {
      assert.ok(error instanceof MixpanelError);
      assert.equal(error.code, "MIXPANEL_AUTH");
      assert.equal(error.status, 401);
      assert.equal(error.attempts, 1);
      assert.match(error.message, /connection "test"/);
      return true;
    });
    assert.deepEqual(
      (await fx.requests()).map((r) => r.status),
      [401],
    );
  });

  it("cuts batches by the record cap", async () => {
    const result = await fx
      .client({ events: { maxRecords: 7 } })
      .importEvents(makeEvents(30));
    assert.equal(result.delivered, 30);
    assert.equal(result.requests, 5);
    const counts = (await fx.requests()).map((r) => r.records).sort();
    assert.deepEqual(counts, [2, 7, 7, 7, 7]);
  });

  it("cuts batches by the byte cap", async () => {
    const events = makeEvents(40, 200); // ~300 bytes each
    const result = await fx
      .client({ events: { maxBytes: 3000 } })
      .importEvents(events);
    assert.equal(result.delivered, 40);
    const log = await fx.requests();
    assert.ok(log.length >= 4, `${log.length} requests`);
    assert.equal(
      log.reduce((n, r) => n + r.records, 0),
      40,
    );
  });
});

describe("413 splitting", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({ maxRequestBytes: 4000 });
  });
  beforeEach(() => fx.emulator.state.reset());
  after(() => fx.close());

  it("halves a refused batch until each part fits", async () => {
    const events = makeEvents(40, 150); // ~250 bytes each, ~10 KB in all
    const result = await fx.client({ gzipLevel: 0 }).importEvents(events);

    assert.equal(result.delivered, 40);
    assert.deepEqual(result.rejected, []);
    const log = await fx.requests();
    const refused = log.filter((r) => r.status === 413);
    const accepted = log.filter((r) => r.status === 200);
    assert.ok(refused.length >= 3, `${refused.length} refused`);
    assert.ok(accepted.every((r) => r.bytes <= 4000));
    assert.equal(
      accepted.reduce((n, r) => n + r.records, 0),
      40,
    );
    assert.equal(result.requests, log.length);
    assert.deepEqual(insertIds(await fx.events()), insertIds(events));
  });

  it("rejects a single record that is still too large", async () => {
    const events = [
      makeEvent(),
      makeEvent({ note: "x".repeat(5000) }),
      makeEvent(),
    ];
    const result = await fx.client({ gzipLevel: 0 }).importEvents(events);

    assert.equal(result.delivered, 2);
    assert.equal(result.rejected.length, 1);
    assert.equal(result.rejected[0]!.index, 1);
    assert.equal(result.rejected[0]!.source, "mixpanel");
    assert.match(result.rejected[0]!.message, /too large.*413/);
  });
});

describe("strict 400 mapped to input records", () => {
  let fx: Fixture;
  // An Original-ID-Merge project refuses events without distinct_id, which
  // the client (validating for Simplified) lets through.
  before(async () => {
    fx = await startFixture({
      projects: [{ token: TOKEN, identityMode: "original" }],
    });
  });
  beforeEach(() => fx.emulator.state.reset());
  after(() => fx.close());

  const withoutDistinctId = () =>
    makeEvent({ distinct_id: undefined, $user_id: "someone" });
  const expectedRejection = (index: number) => ({
    index,
    field: "properties.distinct_id",
    message: "'properties.distinct_id' is invalid: must not be missing",
    source: "mixpanel",
  });

  it("maps failed_records indices back to the caller's array", async () => {
    const events = makeEvents(12);
    for (const i of [0, 5, 11]) events[i] = withoutDistinctId();
    const result = await fx.client().importEvents(events);

    assert.equal(result.delivered, 9);
    assert.deepEqual(result.rejected, [0, 5, 11].map(expectedRejection));
    assert.equal((await fx.stats()).events, 9);
  });

  it("keeps the mapping across batches and 413 splits", async () => {
    fx.emulator.state.options.maxRequestBytes = 2500;
    try {
      const events = makeEvents(45, 100);
      const bad = [1, 9, 10, 23, 30, 44];
      for (const i of bad) events[i] = withoutDistinctId();
      const result = await fx
        .client({ gzipLevel: 0, events: { maxRecords: 16 } })
        .importEvents(events);

      assert.equal(result.delivered, 39);
      assert.deepEqual(result.rejected, bad.map(expectedRejection));
      const log = await fx.requests();
      assert.ok(
        log.some((r) => r.status === 413),
        "some batch was split",
      );
      assert.ok(log.filter((r) => r.status === 400).length >= 2);
    } finally {
      fx.emulator.state.options.maxRequestBytes = undefined;
    }
  });

  it("reads bare-string failures as the whole request's reason", async () => {
    // Simplified projects refuse identity events with string failures.
    const simple = await startFixture();
    try {
      const events = [makeEvent({}, "$identify"), makeEvent({}, "$identify")];
      const result = await simple.client().importEvents(events);
      assert.equal(result.delivered, 0);
      assert.deepEqual(
        result.rejected.map((r) => [r.index, r.field, r.source]),
        [
          [0, "", "mixpanel"],
          [1, "", "mixpanel"],
        ],
      );
      assert.match(result.rejected[0]!.message, /identity events/);
    } finally {
      await simple.close();
    }
  });
});
