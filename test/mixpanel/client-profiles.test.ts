/**
 * User and group profiles over /engage and /groups: plain JSON arrays, the
 * connection's token filled in, and server-side failures (HTTP 200 with
 * status 0) isolated by bisecting idempotent batches.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";

import { startFixture, TOKEN, type Fixture } from "./emulator-fixture.ts";

describe("profiles", () => {
  let fx: Fixture;
  before(async () => {
    fx = await startFixture({
      projects: [{ token: TOKEN, groupKeys: ["company_id"] }],
      rejectUnknownGroupKeys: true,
    });
  });
  beforeEach(() => fx.emulator.state.reset());
  after(() => fx.close());

  it("sends user updates uncompressed with the connection's token", async () => {
    const updates = Array.from({ length: 30 }, (_, i) => ({
      $distinct_id: `u${i}`,
      $set: { plan: i % 2 ? "pro" : "free" },
    }));
    const result = await fx.client().updateUsers(updates);

    assert.deepEqual(result, {
      delivered: 30,
      rejected: [],
      requests: 1,
      retries: 0,
    });
    const [entry] = await fx.requests();
    assert.deepEqual(
      [entry!.path, entry!.contentEncoding, entry!.records],
      ["/engage", null, 30],
    );
    assert.equal((await fx.stats()).profiles, 30);
    assert.equal(fx.emulator.state.users.count, 30);
  });

  it("cuts profile batches at the configured size", async () => {
    const updates = Array.from({ length: 25 }, (_, i) => ({
      $distinct_id: `u${i}`,
      $set_once: { first_seen: "2024-01-01" },
    }));
    const result = await fx
      .client({ profiles: { maxRecords: 10 } })
      .updateUsers(updates);
    assert.deepEqual([result.delivered, result.requests], [25, 3]);
  });

  it("bisects a failed group batch down to the bad updates", async () => {
    const updates = Array.from({ length: 10 }, (_, i) => ({
      $group_key: i === 3 || i === 8 ? "team_id" : "company_id",
      $group_id: `g${i}`,
      $set: { seats: i },
    }));
    const result = await fx.client().updateGroups(updates);

    assert.equal(result.delivered, 8);
    assert.deepEqual(
      result.rejected,
      [3, 8].map((index) => ({
        index,
        field: "$group_key",
        message: "Groups API error: $group_key, not a group key",
        source: "mixpanel",
      })),
    );
    assert.ok(result.requests > 2, `${result.requests} requests`);
    assert.equal(fx.emulator.state.groups.count, 8);
  });
});

describe("non-idempotent profile batches", () => {
  let fx: Fixture;
  before(async () => {
    // The connection's token is unknown here and the emulator says so.
    fx = await startFixture({
      projects: [{ token: "someone-elses-token" }],
      unknownToken: "error",
    });
  });
  after(() => fx.close());

  it("rejects a failed batch holding $add whole instead of bisecting", async () => {
    const updates = [
      { $distinct_id: "u1", $set: { a: 1 } },
      { $distinct_id: "u2", $add: { logins: 1 } },
    ];
    const result = await fx.client().updateUsers(updates);

    assert.equal(result.delivered, 0);
    assert.equal(result.requests, 1);
    assert.deepEqual(
      result.rejected.map((r) => [r.index, r.field, r.source]),
      [
        [0, "$token", "mixpanel"],
        [1, "$token", "mixpanel"],
      ],
    );
    assert.match(result.rejected[0]!.message, /not a known project token/);
  });
});
