/**
 * Replies the emulator does not produce on its own, from a scripted HTTP
 * server on loopback: malformed-request 400s, unknown statuses, a
 * Retry-After given as an HTTP date.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";

import { MixpanelClient } from "../../core/mixpanel/client.ts";
import { resolveMixpanelConnection } from "../../core/mixpanel/connection.ts";
import { FAST_RETRY, makeEvents } from "./emulator-fixture.ts";

interface Scripted {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

describe("odd replies", () => {
  let server: Server;
  let url: string;
  let script: Scripted[] = [];
  let seen = 0;

  before(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on("end", () => {
        const next = script[Math.min(seen++, script.length - 1)]!;
        response.writeHead(next.status, next.headers ?? {});
        response.end(next.body);
      });
    });
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve),
    );
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function run(replies: Scripted[]) {
    script = replies;
    seen = 0;
    const client = new MixpanelClient(
      resolveMixpanelConnection({ name: "odd", token: "t", apiUrl: url }),
      { retry: FAST_RETRY },
    );
    return {
      client,
      requests: () => seen,
      done: () => client.close(),
    };
  }

  it("does not retry a 400 without failed_records", async () => {
    const { client, requests, done } = run([
      { status: 400, body: '{"code":400,"error":"unexpected EOF"}' },
    ]);
    await assert.rejects(client.importEvents(makeEvents(2)), (error) => {
      assert.equal((error as { code: string }).code, "MIXPANEL_BAD_REQUEST");
      assert.match(String(error), /unexpected EOF/);
      return true;
    });
    assert.equal(requests(), 1);
    await done();
  });

  it("does not retry an unexpected 404", async () => {
    const { client, requests, done } = run([{ status: 404, body: "nope" }]);
    await assert.rejects(client.importEvents(makeEvents(1)), {
      code: "MIXPANEL_BAD_REQUEST",
      status: 404,
    });
    assert.equal(requests(), 1);
    await done();
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const until = new Date(Date.now() + 1500).toUTCString();
    const { client, done } = run([
      { status: 503, body: "busy", headers: { "retry-after": until } },
      { status: 200, body: '{"code":200,"num_records_imported":1}' },
    ]);
    const started = performance.now();
    const result = await client.importEvents(makeEvents(1));
    // HTTP dates have one-second precision: wait until that second came.
    assert.ok(performance.now() - started >= 400);
    assert.deepEqual([result.delivered, result.retries], [1, 1]);
    await done();
  });

  it("treats an /engage 200 with body 0 as a failure", async () => {
    const { client, done } = run([{ status: 200, body: "0" }]);
    const result = await client.updateUsers([
      { $distinct_id: "u1", $set: { a: 1 } },
    ]);
    assert.equal(result.delivered, 0);
    assert.equal(result.rejected[0]!.source, "mixpanel");
    await done();
  });
});
