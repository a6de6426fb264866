import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { clearDotEnvCache, resolveEnv } from "../../core/builder/env.ts";
import { ConfigError, env, mixpanel, postgres } from "../../core/index.ts";
import { redact } from "../../core/util/redact.ts";

let projectDir = "";

before(async () => {
  projectDir = await mkdtemp(join(tmpdir(), "backflow-env-"));
  await writeFile(
    join(projectDir, ".env"),
    "FROM_FILE=file-value\nBOTH=file\nBLANK_IN_ENV=from-file\n" +
      "WAREHOUSE_URL=postgres://app:s3cr3t-pw@db.internal:5432/shop\n",
  );
  clearDotEnvCache();
});

after(async () => {
  await rm(projectDir, { recursive: true, force: true });
});

const source = (variables: Record<string, string | undefined> = {}) => ({
  variables,
  projectDir,
});

test("a value comes from the environment before the .env file", () => {
  assert.equal(
    resolveEnv(env("BOTH"), undefined, source({ BOTH: "env" })),
    "env",
  );
  assert.equal(resolveEnv(env("FROM_FILE"), undefined, source()), "file-value");
});

test("a blank environment variable counts as unset", () => {
  const value = resolveEnv(
    env("BLANK_IN_ENV"),
    undefined,
    source({ BLANK_IN_ENV: "  " }),
  );
  assert.equal(value, "from-file");
});

test("the .env file does not leak into process.env", () => {
  resolveEnv(env("FROM_FILE"), undefined, source());
  assert.equal(process.env.FROM_FILE, undefined);
});

test("a missing required variable names itself and who needs it", () => {
  assert.throws(
    () => resolveEnv(env("MISSING_TOKEN"), 'connection "product"', source()),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.code === "CONFIG_INVALID" &&
      error.message.includes("MISSING_TOKEN is not set") &&
      error.message.includes('connection "product"'),
  );
});

test("an optional variable resolves to undefined when missing", () => {
  assert.equal(
    resolveEnv(env.optional("NOPE"), undefined, source()),
    undefined,
  );
});

test("declaring connections reads no variable; resolving does", () => {
  const product = mixpanel("product", {
    token: env("MP_TOKEN_FOR_TEST"),
    apiSecret: env.optional("MP_SECRET_FOR_TEST"),
  });
  assert.throws(() => product.resolve(source()), /MP_TOKEN_FOR_TEST/);

  const resolved = product.resolve(source({ MP_TOKEN_FOR_TEST: "abc123" }));
  assert.equal(resolved.token, "abc123");
  assert.equal(resolved.authKind, "token");
});

test("a resolved warehouse URL's password is redacted everywhere", () => {
  const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
  const resolved = warehouse.resolve(source());
  assert.equal(resolved.timezone, "UTC");
  assert.doesNotMatch(redact(`connecting to ${resolved.url}`), /s3cr3t-pw/);
});

test("a malformed URL is reported without echoing it", () => {
  const warehouse = postgres("w", { url: "mysql://u:hunter22@h/db" });
  assert.throws(
    () => warehouse.resolve(source()),
    (error: unknown) =>
      error instanceof ConfigError &&
      /postgres:\/\/user:password@host/.test(error.message) &&
      !error.message.includes("hunter22"),
  );
});

test("an invalid variable name fails where it is written", () => {
  assert.throws(() => env("1BAD"), ConfigError);
});
