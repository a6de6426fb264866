import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { startEmulator } from "../../core/emulator/index.ts";
import type { Emulator } from "../../core/emulator/index.ts";
import { basic, event, getJson, post, storedEvents } from "./helpers.ts";

const SA_MESSAGE =
  "Unauthorized, invalid project secret. See docs for more information: " +
  "https://developer.mixpanel.com/reference/authentication#project-secret";

let emulator: Emulator;
const TOKEN = "tok-simple";

before(async () => {
  emulator = await startEmulator({
    projects: [
      {
        token: TOKEN,
        projectId: 101,
        apiSecret: "legacy-secret",
        serviceAccounts: [{ username: "robot", secret: "s3cret" }],
      },
      { token: "tok-original", projectId: 102, identityMode: "original" },
    ],
    maxRequestBytes: 64 * 1024,
  });
});
after(() => emulator.close());
beforeEach(() => emulator.state.reset());

const importTo = (
  query: string,
  body: string | Buffer,
  headers: Record<string, string> = { authorization: basic(TOKEN) },
) => post(`${emulator.url}/import${query}`, body, headers);

describe("auth", () => {
  const body = JSON.stringify([event()]);

  test("a service account with project_id is accepted", async () => {
    const reply = await importTo("?strict=1&project_id=101", body, {
      authorization: basic("robot", "s3cret"),
    });
    assert.equal(reply.status, 200);
  });

  test("a service account without project_id gets the secret message", async () => {
    const reply = await importTo("?strict=1", body, {
      authorization: basic("robot", "s3cret"),
    });
    assert.equal(reply.status, 401);
    assert.deepEqual(JSON.parse(reply.text), {
      code: 401,
      error: SA_MESSAGE,
      status: "Unauthorized",
    });
  });

  test("the token is accepted with or without its project_id", async () => {
    assert.equal((await importTo("?strict=1", body)).status, 200);
    assert.equal((await importTo("?project_id=101", body)).status, 200);
    assert.equal((await importTo("?project_id=102", body)).status, 401);
  });

  test("the legacy API secret and plain-text Basic are accepted", async () => {
    const secret = await importTo("", body, {
      authorization: basic("legacy-secret"),
    });
    assert.equal(secret.status, 200);
    const plain = await importTo("?project_id=101", body, {
      authorization: "Basic robot:s3cret",
    });
    assert.equal(plain.status, 200);
  });

  test("wrong or missing credentials get 401", async () => {
    for (const authorization of [basic("robot", "nope"), basic("nobody")]) {
      const reply = await importTo("?project_id=101", body, { authorization });
      assert.equal(reply.status, 401);
    }
    assert.equal((await importTo("", body, {})).status, 401);
  });
});

describe("strict mode", () => {
  test("a partial failure is a 400 listing the bad rows; good rows are stored", async () => {
    const good = event();
    const bad = event({ $insert_id: "a:b" });
    const late = event({ time: undefined });
    const reply = await importTo(
      "?strict=1",
      JSON.stringify([good, bad, late]),
    );

    assert.equal(reply.status, 400);
    assert.deepEqual(JSON.parse(reply.text), {
      code: 400,
      error: "some data points in the request failed validation",
      num_records_imported: 1,
      status: "Bad Request",
      failed_records: [
        {
          index: 1,
          insert_id: "a:b",
          field: "$insert_id",
          message:
            "'$insert_id' is invalid: must only contain alphanumeric or hyphen '-' characters",
        },
        {
          index: 2,
          insert_id: late.properties.$insert_id,
          field: "properties.time",
          message: "'properties.time' is invalid: must not be missing",
        },
      ],
    });
    const stored = await storedEvents(emulator.url);
    assert.deepEqual(
      stored.map((e) => e.properties.$insert_id),
      [good.properties.$insert_id],
    );
    const stats = await getJson<{ rejected: number }>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.equal(stats.rejected, 2);
  });

  test("verbose=1 answers a numeric status and a null error", async () => {
    const reply = await importTo(
      "?strict=1&verbose=1",
      JSON.stringify([event()]),
    );
    assert.deepEqual(JSON.parse(reply.text), {
      code: 200,
      error: null,
      num_records_imported: 1,
      status: 1,
    });
  });

  test("identity events in a Simplified project fail the whole batch", async () => {
    const merge = event({}, "$identify");
    const reply = await importTo("?strict=1", JSON.stringify([event(), merge]));
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.text);
    assert.equal(body.num_records_imported, 0);
    assert.deepEqual(body.failed_records, [
      "identity events are not allowed when project is using simplified identity management",
    ]);
    assert.equal((await storedEvents(emulator.url)).length, 0);
  });
});

describe("non-strict mode (strict absent)", () => {
  test("bad rows are dropped with a 200 and status 0", async () => {
    const body = JSON.stringify([event(), event({ time: 5 })]);
    const reply = await importTo("", body);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.text), {
      code: 200,
      error: "some data points in the request failed validation",
      num_records_imported: 1,
      status: 0,
    });
  });

  test("an event without $insert_id gets a generated one and is never de-duplicated", async () => {
    const body = JSON.stringify([event({ $insert_id: undefined })]);
    const first = await importTo("", body);
    assert.deepEqual(JSON.parse(first.text), {
      code: 200,
      num_records_imported: 1,
      status: "OK",
    });
    await importTo("", body);
    const stored = await storedEvents(emulator.url);
    assert.equal(stored.length, 2);
    assert.match(String(stored[0]!.properties.$insert_id), /^[0-9a-f]{32}$/);
  });
});

describe("storage", () => {
  test("a resend is de-duplicated on the 4-tuple, latest copy kept", async () => {
    const first = event({ time: 1718716477 });
    const second = event();
    await importTo("?strict=1", JSON.stringify([first, second]));
    first.properties.amount = 99;
    first.properties.time = 1718716477000;
    await importTo("?strict=1", JSON.stringify([first, second]));

    const stats = await getJson<Record<string, number>>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.equal(stats.events, 2);
    assert.equal(stats.duplicates, 2);
    const stored = await storedEvents(emulator.url);
    assert.equal(stored[0]!.properties.amount, 99);
  });

  test("stored events carry ms time and the server-added properties", async () => {
    const sent = event({
      time: 1718716477,
      distinct_id: undefined,
      $user_id: "u9",
    });
    await importTo("?strict=1", JSON.stringify([sent]));
    const [stored] = await storedEvents(emulator.url);
    assert.equal(stored!.properties.time, 1718716477000);
    assert.equal(stored!.properties.distinct_id, "u9");
    assert.equal(stored!.properties.$import, true);
    assert.equal(stored!.properties.$mp_api_endpoint, "api.mixpanel.com");
    assert.equal(typeof stored!.properties.mp_processing_time_ms, "number");
  });

  test("a device-only event gets a $device: distinct_id", async () => {
    const sent = event({ distinct_id: undefined, $device_id: "d-1" });
    await importTo("?strict=1", JSON.stringify([sent]));
    const [stored] = await storedEvents(emulator.url);
    assert.equal(stored!.properties.distinct_id, "$device:d-1");
  });

  test("an Original-merge project requires distinct_id and accepts $identify", async () => {
    const auth = { authorization: basic("tok-original") };
    const missing = event({ distinct_id: undefined, $user_id: "u1" });
    const identify = event({}, "$identify");
    const reply = await importTo(
      "?strict=1",
      JSON.stringify([missing, identify]),
      auth,
    );
    const body = JSON.parse(reply.text);
    assert.equal(body.num_records_imported, 1);
    assert.equal(
      body.failed_records[0].message,
      "'properties.distinct_id' is invalid: must not be missing",
    );
  });
});

describe("bodies", () => {
  test("gzip bodies are inflated and logged with their wire size", async () => {
    const json = JSON.stringify(Array.from({ length: 50 }, () => event()));
    const reply = await importTo("?strict=1", gzipSync(json), {
      authorization: basic(TOKEN),
      "content-encoding": "gzip",
    });
    assert.equal(JSON.parse(reply.text).num_records_imported, 50);
    const [logged] = await getJson<Array<Record<string, unknown>>>(
      `${emulator.url}/_emulator/requests`,
    );
    assert.equal(logged!.contentEncoding, "gzip");
    assert.equal(logged!.records, 50);
    assert.ok((logged!.bytes as number) < Buffer.byteLength(json) / 2);
  });

  test("NDJSON bodies are accepted", async () => {
    const ndjson = [event(), event()].map((e) => JSON.stringify(e)).join("\n");
    const reply = await importTo("?strict=1", ndjson + "\n", {
      authorization: basic(TOKEN),
      "content-type": "application/x-ndjson",
    });
    assert.equal(JSON.parse(reply.text).num_records_imported, 2);
  });

  test("legacy form bodies keep '+' in base64 and read verbose from the form", async () => {
    // "~~~" encodes to base64 with '+' characters in it.
    const events = [event({ note: "~~~>>>" })];
    const data = Buffer.from(JSON.stringify(events)).toString("base64");
    assert.ok(data.includes("+"));
    const reply = await importTo("", `data=${data}&verbose=1`, {
      authorization: basic(TOKEN),
      "content-type": "application/x-www-form-urlencoded",
    });
    assert.equal(JSON.parse(reply.text).status, 1);
    const [stored] = await storedEvents(emulator.url);
    assert.equal(stored!.properties.note, "~~~>>>");
  });

  test("malformed JSON is a 400 without failed_records", async () => {
    const reply = await importTo("?strict=1", "[{");
    assert.equal(reply.status, 400);
    const body = JSON.parse(reply.text);
    assert.equal(body.code, 400);
    assert.equal(body.status, "Bad Request");
    assert.equal("failed_records" in body, false);
  });

  test("more than 2000 events or bytes over the cap are a 413", async () => {
    const many = JSON.stringify(
      Array.from({ length: 2001 }, () => ({ event: "x", properties: {} })),
    );
    const count = await importTo("?strict=1", many);
    assert.equal(count.status, 413);
    const big = JSON.stringify([event({ blob: "x".repeat(70_000) })]);
    const bytes = await importTo("?strict=1", big);
    assert.equal(bytes.status, 413);
    assert.deepEqual(JSON.parse(bytes.text), {
      code: 413,
      error: "request exceeds max limit of 65536 bytes",
      status: "Request Entity Too Large",
    });
  });

  test("invalid UTF-8 bytes are reported on the property", async () => {
    const json = JSON.stringify([event({ utm_source: "AB" })]);
    const bytes = Buffer.from(json);
    const at = bytes.indexOf("AB");
    bytes[at] = 0xff;
    const reply = await importTo("?strict=1", bytes);
    assert.deepEqual(JSON.parse(reply.text).failed_records[0], {
      index: 0,
      insert_id: JSON.parse(json)[0].properties.$insert_id,
      field: "properties.utm_source",
      message: "properties.utm_source is invalid: string should be valid utf8",
    });
  });
});
