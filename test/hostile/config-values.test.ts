/**
 * Malformed environment values and connection strings: each is refused
 * with a ConfigError (or a failed task) whose message names the variable
 * and says what is expected, and none echoes the password it carries.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { projectRoot, runCli } from "../helpers/cli.ts";

const SECRET = "Pw-Hostile-9x7q";
const CORE = JSON.stringify(join(projectRoot, "core", "index.ts"));

const MODULE = `
import { dag, env, mixpanel, postgres } from ${CORE};
const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  apiUrl: env.optional("MIXPANEL_API_URL"),
  region: env.optional("MIXPANEL_REGION"),
  username: env.optional("MIXPANEL_SERVICE_ACCOUNT_USERNAME"),
  secret: env.optional("MIXPANEL_SERVICE_ACCOUNT_SECRET"),
  projectId: env.optional("MIXPANEL_PROJECT_ID"),
});
export default dag("config", {}, (d) => {
  d.events("e", {
    from: warehouse.query\`select 1 as id, 'u' as user_id, now() as ts\`,
    to: product, event: "E", insertId: "id", userId: "user_id", time: "ts",
  });
});
`;

interface Case {
  name: string;
  env: Record<string, string>;
  /** A dry run needs no store; the others get a real one. */
  dryRun: boolean;
  exit: number;
  message: RegExp;
}

const CASES: Case[] = [
  {
    name: "a warehouse URL with a port that is not a number",
    env: { WAREHOUSE_URL: `postgres://u:${SECRET}@host:notaport/db` },
    dryRun: true,
    exit: 1,
    message: /url \(from WAREHOUSE_URL\) must look like postgres:\/\//,
  },
  {
    name: "a warehouse URL of another database",
    env: { WAREHOUSE_URL: `mysql://u:${SECRET}@host/db` },
    dryRun: true,
    exit: 1,
    message: /url \(from WAREHOUSE_URL\) must look like postgres:\/\//,
  },
  {
    name: "a warehouse password with a broken %-escape",
    env: { WAREHOUSE_URL: `postgres://u:${SECRET}%ZZ@127.0.0.1:1/db` },
    dryRun: true,
    exit: 1,
    message: /connection \\?"warehouse\\?": connect ECONNREFUSED/,
  },
  {
    name: "a store URL with a port out of range",
    env: { BACKFLOW_DATABASE_URL: `postgres://u:${SECRET}@host:99999/db` },
    dryRun: false,
    exit: 2,
    message: /BACKFLOW_DATABASE_URL must look like postgres:\/\//,
  },
  {
    name: "a store URL without a scheme",
    env: { BACKFLOW_DATABASE_URL: `u:${SECRET}@127.0.0.1:1/db` },
    dryRun: false,
    exit: 2,
    message: /BACKFLOW_DATABASE_URL must look like postgres:\/\//,
  },
  {
    name: "an unknown Mixpanel region",
    env: { MIXPANEL_REGION: "mars" },
    dryRun: true,
    exit: 1,
    message:
      /region \(from MIXPANEL_REGION\): region must be one of us, eu, in/,
  },
  {
    name: "a service-account secret without its username",
    env: { MIXPANEL_SERVICE_ACCOUNT_SECRET: SECRET },
    dryRun: true,
    exit: 1,
    message: /username \(from MIXPANEL_SERVICE_ACCOUNT_USERNAME\): required/,
  },
  {
    name: "a Mixpanel URL that is not one",
    env: { MIXPANEL_API_URL: `http://u:${SECRET}@exa mple.com` },
    dryRun: true,
    exit: 1,
    message:
      /apiUrl \(from MIXPANEL_API_URL\): apiUrl must be an http\(s\) URL/,
  },
  {
    name: "a blank token",
    env: { MIXPANEL_TOKEN: " " },
    dryRun: true,
    exit: 1,
    message: /environment variable MIXPANEL_TOKEN is not set/,
  },
  {
    name: "records per request that are not a number",
    env: { BACKFLOW_EVENTS_PER_REQUEST: "lots" },
    dryRun: true,
    exit: 2,
    message:
      /BACKFLOW_EVENTS_PER_REQUEST must be a whole number above 0, got "lots"/,
  },
  {
    name: "a request timeout of zero",
    env: { BACKFLOW_REQUEST_TIMEOUT_MS: "0" },
    dryRun: true,
    exit: 2,
    message: /BACKFLOW_REQUEST_TIMEOUT_MS must be a whole number above 0/,
  },
  {
    name: "a log level that does not exist",
    env: { BACKFLOW_LOG_LEVEL: "verbose" },
    dryRun: true,
    exit: 2,
    message:
      /BACKFLOW_LOG_LEVEL must be one of debug, info, warn, error, got "verbose"/,
  },
  {
    name: "a negative retention",
    env: { BACKFLOW_RETENTION_DAYS: "-3" },
    dryRun: false,
    exit: 2,
    message: /BACKFLOW_RETENTION_DAYS must be a whole number of days/,
  },
  {
    name: "a store reconnect budget that is not a number",
    env: { BACKFLOW_STORE_RECONNECT_MS: "soon" },
    dryRun: false,
    exit: 2,
    message: /BACKFLOW_STORE_RECONNECT_MS must be a whole number of ms/,
  },
];

describe("malformed environment values and connection strings", () => {
  let dir: string;
  let store: TestDatabase;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bf-config-values-"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "config-values", type: "module" }),
    );
    await mkdir(join(dir, "pipelines"));
    await writeFile(join(dir, "pipelines", "config.js"), MODULE);
    store = await createTestDatabase("bf_config_store");
  });
  after(async () => {
    await store?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    test(`${c.name}: named, and the password never echoed`, async () => {
      const args = ["run", "config", "--json", "--pipelines", "pipelines"];
      const result = await runCli(c.dryRun ? [...args, "--dry-run"] : args, {
        cwd: dir,
        env: {
          WAREHOUSE_URL: "postgres://u:pw@127.0.0.1:1/db",
          MIXPANEL_TOKEN: "config-token",
          BACKFLOW_DATABASE_URL: store.url,
          ...c.env,
        },
      });
      const output = result.stdout + result.stderr;
      assert.equal(result.code, c.exit, output);
      assert.match(output, c.message);
      for (const form of [SECRET, encodeURIComponent(SECRET)]) {
        assert.ok(!output.includes(form), `echoed the password: ${output}`);
      }
    });
  }
});
