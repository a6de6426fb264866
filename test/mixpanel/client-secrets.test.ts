/**
 * Planted secrets must not surface anywhere: not in log lines (at debug
 * level), error messages, `JSON.stringify(error)`, `util.inspect(error)` or
 * stacks — neither as written, nor as base64 of `user:secret`, nor
 * percent-encoded.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { inspect } from "node:util";

import { ConfigError } from "../../core/errors.ts";
import { resolveMixpanelConnection } from "../../core/mixpanel/connection.ts";
import { setLogSink } from "../../core/util/log.ts";
import {
  FAST_RETRY,
  makeEvents,
  startFixture,
  type Fixture,
} from "./emulator-fixture.ts";

const SA_USER = "svc.backflow";
const SA_SECRET = "sa/SECRET+7f3a 9c=Q";
const API_SECRET = "api/SECRET+2b8e 1d=Z";

/** The secret as written, percent-encoded, and inside Basic credentials. */
function forms(user: string | undefined, secret: string): string[] {
  const pair = user === undefined ? `${secret}:` : `${user}:${secret}`;
  const b64 = Buffer.from(pair).toString("base64");
  return [
    secret,
    encodeURIComponent(secret),
    b64,
    b64.replace(/=+$/, ""),
    Buffer.from(secret).toString("base64").replace(/=+$/, ""),
  ];
}

const NEEDLES = [...forms(SA_USER, SA_SECRET), ...forms(undefined, API_SECRET)];

function assertClean(label: string, text: string) {
  for (const needle of NEEDLES) {
    assert.ok(
      !text.includes(needle),
      `${label} leaks ${JSON.stringify(needle)}`,
    );
  }
}

function everyView(error: unknown): string {
  return [
    String(error),
    (error as Error).stack ?? "",
    JSON.stringify(error),
    inspect(error, { depth: Infinity, showHidden: true }),
    JSON.stringify(Object.entries(error as object)),
  ].join("\n");
}

describe("secrets stay hidden", () => {
  let fx: Fixture;
  const lines: string[] = [];
  const level = process.env.BACKFLOW_LOG_LEVEL;

  before(async () => {
    process.env.BACKFLOW_LOG_LEVEL = "debug";
    setLogSink((line) => lines.push(line));
    // A project that knows neither planted credential: every try is a 401.
    fx = await startFixture({
      projects: [{ token: "t-secrets", projectId: 77 }],
    });
  });
  after(async () => {
    await fx.close();
    setLogSink((line) => process.stderr.write(line + "\n"));
    if (level === undefined) delete process.env.BACKFLOW_LOG_LEVEL;
    else process.env.BACKFLOW_LOG_LEVEL = level;
    assert.ok(lines.some((line) => line.includes("mixpanel.retry")));
    assertClean("log lines", lines.join("\n"));
  });

  it("(the check itself notices a leak in any form)", () => {
    for (const needle of NEEDLES) {
      assert.throws(() => assertClean("probe", `x ${needle} y`));
    }
  });

  const serviceAccount = {
    username: SA_USER,
    secret: SA_SECRET,
    projectId: 77,
  };

  it("in a 401 from a service account", async () => {
    const client = fx.client({}, { token: "t-secrets", ...serviceAccount });
    const error = await client.importEvents(makeEvents(2)).catch((e) => e);
    assert.equal(error.code, "MIXPANEL_AUTH");
    assertClean("auth error", everyView(error));
  });

  it("in a 401 from an API secret", async () => {
    const client = fx.client({}, { token: "t-secrets", apiSecret: API_SECRET });
    const error = await client.importEvents(makeEvents(2)).catch((e) => e);
    assert.equal(error.code, "MIXPANEL_AUTH");
    assertClean("auth error", everyView(error));
  });

  it("in network errors and exhausted retries", async () => {
    const open = await startFixture({
      projects: [
        {
          token: "t-open",
          projectId: 5,
          serviceAccounts: [{ username: SA_USER, secret: SA_SECRET }],
        },
      ],
      faults: { resetBefore: {} },
    });
    try {
      const client = open.client(
        { retry: { ...FAST_RETRY, maxAttempts: 3 } },
        { token: "t-open", ...serviceAccount, projectId: 5 },
      );
      const error = await client.importEvents(makeEvents(2)).catch((e) => e);
      assert.equal(error.code, "MIXPANEL_RETRIES_EXHAUSTED");
      assert.equal(error.lastCode, "MIXPANEL_NETWORK");
      assertClean("network error", everyView(error));
    } finally {
      await open.close();
    }
  });

  it("in configuration errors", () => {
    try {
      resolveMixpanelConnection({
        name: "bad",
        token: "",
        username: SA_USER,
        secret: SA_SECRET,
        apiSecret: API_SECRET,
        region: SA_SECRET,
      });
      assert.fail("expected a ConfigError");
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assertClean("config error", everyView(error));
    }
  });

  it("in the resolved connection itself", () => {
    const connection = resolveMixpanelConnection({
      name: "ok",
      token: "t",
      ...serviceAccount,
    });
    assertClean(
      "connection",
      JSON.stringify(connection) + inspect(connection, { showHidden: true }),
    );
  });
});
