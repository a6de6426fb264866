import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";

import { ConfigError } from "../../core/errors.ts";
import {
  MIXPANEL_HOSTS,
  mixpanelBaseUrl,
  mixpanelConnectionFromEnv,
  resolveMixpanelConnection,
} from "../../core/mixpanel/connection.ts";
import { setLogSink } from "../../core/util/log.ts";
import { redact } from "../../core/util/redact.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

describe("Mixpanel hosts", () => {
  it("picks the residency host by region, US by default", () => {
    const host = (region?: string) =>
      resolveMixpanelConnection({ name: "p", token: "t", region }).baseUrl;
    assert.equal(host(), "https://api.mixpanel.com");
    assert.equal(host("us"), "https://api.mixpanel.com");
    assert.equal(host("eu"), "https://api-eu.mixpanel.com");
    assert.equal(host("IN"), "https://api-in.mixpanel.com");
    assert.deepEqual(Object.keys(MIXPANEL_HOSTS), ["us", "eu", "in"]);
  });

  it("lets apiUrl override the host, keeping a path prefix", () => {
    assert.equal(
      mixpanelBaseUrl("eu", "http://127.0.0.1:8787/"),
      "http://127.0.0.1:8787",
    );
    assert.equal(
      mixpanelBaseUrl("us", "http://localhost:9/mp/"),
      "http://localhost:9/mp",
    );
  });
});

describe("Mixpanel credentials", () => {
  it("warns once per process that API secrets are being retired", () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    try {
      resolveMixpanelConnection({ name: "a", token: "t", apiSecret: "s-1111" });
      resolveMixpanelConnection({ name: "b", token: "t", apiSecret: "s-2222" });
    } finally {
      setLogSink((line) => process.stderr.write(line + "\n"));
    }
    const warnings = lines.filter((l) => l.includes("api_secret_deprecated"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /2027-03-03/);
  });

  it("prefers a service account: Basic user:secret plus projectId", () => {
    const c = resolveMixpanelConnection({
      name: "p",
      token: "tok",
      username: "sa.user",
      secret: "sa-secret-1",
      projectId: 4242,
      apiSecret: "legacy-secret-1",
    });
    assert.equal(c.authKind, "service-account");
    assert.equal(c.projectId, "4242");
    assert.equal(
      c.authorizationHeader(),
      `Basic ${b64("sa.user:sa-secret-1")}`,
    );
  });

  it("uses the API secret as Basic username without project_id", () => {
    const c = resolveMixpanelConnection({
      name: "p",
      token: "tok",
      apiSecret: "legacy-secret-2",
      projectId: "7",
    });
    assert.equal(c.authKind, "api-secret");
    assert.equal(c.projectId, undefined);
    assert.equal(c.authorizationHeader(), `Basic ${b64("legacy-secret-2:")}`);
  });

  it("falls back to the token alone", () => {
    const c = resolveMixpanelConnection({ name: "p", token: "tok-only" });
    assert.equal(c.authKind, "token");
    assert.equal(c.authorizationHeader(), `Basic ${b64("tok-only:")}`);
  });

  it("keeps secrets out of serialisation and registers them for redaction", () => {
    const c = resolveMixpanelConnection({
      name: "p",
      token: "tok",
      username: "u1",
      secret: "PLANTED-SA-SECRET",
      projectId: "1",
    });
    const shown = JSON.stringify(c) + inspect(c, { depth: 5 });
    assert.ok(!shown.includes("PLANTED-SA-SECRET"));
    assert.ok(!shown.includes(b64("u1:PLANTED-SA-SECRET")));
    assert.equal(redact("x PLANTED-SA-SECRET y"), "x [redacted] y");
  });
});

describe("invalid connections", () => {
  it("lists every invalid field without echoing secret values", () => {
    const error = configError(() =>
      resolveMixpanelConnection({
        name: "bad name",
        token: "",
        username: "someone",
        secret: "ECHO-ME-NOT-123",
        region: "mars",
        apiUrl: "ftp://example",
        extra: "ECHO-ME-NOT-123",
      } as never),
    );
    for (const field of ["name", "token", "region", "apiUrl", "projectId"]) {
      assert.match(error.message, new RegExp(`- ${field}:`));
    }
    assert.match(error.message, /unknown field\(s\) extra/);
    assert.ok(!error.message.includes("ECHO-ME-NOT-123"));
    assert.equal(error.code, "CONFIG_INVALID");
  });

  it("requires username and secret together", () => {
    const error = configError(() =>
      resolveMixpanelConnection({ name: "p", token: "t", secret: "abcd-9" }),
    );
    assert.match(error.message, /- username: required/);
  });
});

describe("mixpanelConnectionFromEnv", () => {
  it("reads MIXPANEL_* variables, blank ones counting as unset", () => {
    const c = mixpanelConnectionFromEnv("prod", {
      MIXPANEL_TOKEN: "env-token",
      MIXPANEL_PROJECT_ID: "99",
      MIXPANEL_SERVICE_ACCOUNT_USERNAME: "bot",
      MIXPANEL_SERVICE_ACCOUNT_SECRET: "env-sa-secret",
      MIXPANEL_API_SECRET: "",
      MIXPANEL_REGION: "eu",
      MIXPANEL_API_URL: "",
    });
    assert.equal(c.name, "prod");
    assert.equal(c.token, "env-token");
    assert.equal(c.authKind, "service-account");
    assert.equal(c.projectId, "99");
    assert.equal(c.baseUrl, "https://api-eu.mixpanel.com");
  });

  it("names the missing variable", () => {
    const error = configError(() => mixpanelConnectionFromEnv("prod", {}));
    assert.match(error.message, /MIXPANEL_TOKEN: token is required/);
  });
});
