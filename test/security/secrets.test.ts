/**
 * Recognisable secrets planted everywhere backflow takes them from (a
 * warehouse URL password with characters that need %-encoding, the
 * store's password, a service-account secret, a legacy API secret, a
 * wrong secret Mixpanel refuses) and searched for, in plain, %-encoded
 * and base64 (`user:secret`, `secret:`) form, in every output: debug logs,
 * errors of failed tasks, an uncaught crash and an unhandled rejection in
 * user code, `--json` output, the dry-run files, `check --connections`,
 * `runs`, `rejects`, the dashboard's plain output, and every row of every
 * table of the metadata store.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";

import {
  createTestDatabase,
  serverUrl,
  type TestDatabase,
} from "../helpers/database.ts";
import {
  runCli,
  startEmulatorProcess,
  type CliResult,
  type EmulatorProcess,
} from "../helpers/cli.ts";

const tag = randomBytes(3).toString("hex");
const TOKEN = `secrets-token-${tag}`;
const SA_USER = `sa-user-${tag}.backflow`;
const SECRETS = {
  warehousePassword: `Wh/Pa ss@9d2k%5j-${tag}`,
  storePassword: `StorePass-k3j9-${tag}`,
  serviceAccountSecret: `SaSecret-7f3k9q2x-${tag}`,
  apiSecret: `ApiSecret-4h8m1z6w-${tag}`,
  wrongSecret: `WrongSecret-2b8n-${tag}`,
};
const PIPELINES = "test/fixtures/pipelines/secrets";

/** Every form in which a secret would be recognised. */
function needles(): Map<string, string> {
  const forms = new Map<string, string>();
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  for (const [name, secret] of Object.entries(SECRETS)) {
    forms.set(`${name} (plain)`, secret);
    forms.set(`${name} (%-encoded)`, encodeURIComponent(secret));
    for (const pair of [`${secret}:`, `${SA_USER}:${secret}`]) {
      forms.set(`${name} (base64 of ${pair.replace(secret, "…")})`, b64(pair));
      forms.set(
        `${name} (base64 of ${pair.replace(secret, "…")}, unpadded)`,
        b64(pair).replace(/=+$/, ""),
      );
    }
  }
  return forms;
}

function withCredentials(url: string, user: string, password: string) {
  const parsed = new URL(url);
  parsed.username = user;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** Whether the server refuses `url`, whose password is wrong. */
async function passwordsChecked(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.end();
    return false;
  } catch {
    return true;
  }
}

describe("secrets never leave the process", () => {
  const outputs: Array<{ where: string; text: string }> = [];
  let warehouse: TestDatabase;
  let storeDb: TestDatabase;
  let emulator: EmulatorProcess;
  let dryRunDir: string;
  let env: Record<string, string>;
  const whRole = `bf_wh_${tag}`;
  const storeRole = `bf_store_${tag}`;

  const keep = (where: string, result: CliResult) => {
    outputs.push({ where: `${where}: stdout`, text: result.stdout });
    outputs.push({ where: `${where}: stderr`, text: result.stderr });
    return result;
  };
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra } });

  before(async () => {
    warehouse = await createTestDatabase("bf_secrets_wh");
    storeDb = await createTestDatabase("bf_secrets_store");
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;
    await admin.query(
      `create role ${whRole} login password ${quote(SECRETS.warehousePassword)}`,
    );
    await admin.query(
      `create role ${storeRole} login password ${quote(SECRETS.storePassword)}`,
    );
    await admin.query(`alter database "${storeDb.name}" owner to ${storeRole}`);
    await admin.end();

    const wh = new pg.Client({ connectionString: warehouse.url });
    await wh.connect();
    await wh.query(`
      create table people (id int primary key, user_id text, ts timestamptz,
                           note text);
      insert into people
        select i, case when i % 10 = 0 then null else 'u' || i end,
               timestamptz '2024-05-01 00:00:00+00' + i * interval '1 minute',
               'note ' || i
          from generate_series(1, 40) i;
      grant select on people to ${whRole};`);
    await wh.end();

    emulator = await startEmulatorProcess([
      "--token",
      TOKEN,
      "--project-id",
      "4242",
      "--api-secret",
      SECRETS.apiSecret,
      "--service-account",
      `${SA_USER}:${SECRETS.serviceAccountSecret}`,
    ]);
    dryRunDir = await mkdtemp(join(tmpdir(), "bf-secrets-dry-"));
    env = {
      SECRETS_WAREHOUSE_URL: withCredentials(
        warehouse.url,
        whRole,
        SECRETS.warehousePassword,
      ),
      BACKFLOW_DATABASE_URL: withCredentials(
        storeDb.url,
        storeRole,
        SECRETS.storePassword,
      ),
      MIXPANEL_TOKEN: TOKEN,
      MIXPANEL_API_URL: emulator.url,
      MIXPANEL_PROJECT_ID: "4242",
      MIXPANEL_SERVICE_ACCOUNT_USERNAME: SA_USER,
      MIXPANEL_SERVICE_ACCOUNT_SECRET: SECRETS.serviceAccountSecret,
      MIXPANEL_API_SECRET: SECRETS.apiSecret,
      BACKFLOW_LOG_LEVEL: "debug",
      BACKFLOW_RETRY_BASE_MS: "5",
      BACKFLOW_RETRY_MAX_ATTEMPTS: "2",
    };
  });
  after(async () => {
    await emulator?.stop();
    await rm(dryRunDir, { recursive: true, force: true });
    await storeDb?.drop();
    await warehouse?.drop();
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`drop role if exists ${whRole}`);
    await admin.query(`drop role if exists ${storeRole}`);
    await admin.end();
  });

  test("a successful run with debug logs", async () => {
    const run = keep(
      "run --json",
      await cli(["run", "secrets", "--json", "--pipelines", PIPELINES]),
    );
    assert.equal(run.code, 0, run.stderr);
    const stats = await emulator.get<{ events: number }>("/_emulator/stats");
    assert.equal(stats.events, 72, "both connections authenticated");
  });

  test("a task that throws every secret in its message", async () => {
    const run = keep(
      "run, task throws",
      await cli(["run", "secrets", "--json", "--pipelines", PIPELINES], {
        SECRETS_LEAK: "throw",
      }),
    );
    assert.equal(run.code, 1);
    assert.match(run.stdout, /cannot reach .*\[redacted\]/, "the path ran");
  });

  test("an uncaught exception and an unhandled rejection in user code", async () => {
    for (const mode of ["crash", "reject"]) {
      const run = keep(
        `run, ${mode}`,
        await cli(["run", "secrets", "--pipelines", PIPELINES], {
          SECRETS_LEAK: mode,
        }),
      );
      assert.notEqual(run.code, 0, `${mode} ends the process`);
      assert.match(run.stderr, /cannot reach/, `${mode}: the message is shown`);
    }
  });

  test("credentials that Mixpanel or the warehouse refuse", async (t) => {
    const refused = keep(
      "run, wrong service-account secret",
      await cli(["run", "secrets", "--json", "--pipelines", PIPELINES], {
        MIXPANEL_SERVICE_ACCOUNT_SECRET: SECRETS.wrongSecret,
      }),
    );
    assert.match(refused.stdout, /MIXPANEL_AUTH/);
    const badPassword = withCredentials(
      warehouse.url,
      whRole,
      SECRETS.wrongSecret,
    );
    const denied = keep(
      "run, wrong warehouse password",
      await cli(["run", "secrets", "--json", "--pipelines", PIPELINES], {
        SECRETS_WAREHOUSE_URL: badPassword,
      }),
    );
    // A server with trust authentication (a developer's local one) lets a
    // wrong password in; the embedded server of the test command does not.
    if (await passwordsChecked(badPassword)) {
      assert.match(denied.stdout, /password authentication failed/);
    } else {
      t.diagnostic("the server trusts every password: refusal not checked");
    }
    keep(
      "check --connections, wrong passwords",
      await cli(
        ["check", "--connections", "--json", "--pipelines", PIPELINES],
        {
          SECRETS_WAREHOUSE_URL: badPassword,
          MIXPANEL_SERVICE_ACCOUNT_SECRET: SECRETS.wrongSecret,
        },
      ),
    );
  });

  test("dry-run output and files", async () => {
    keep(
      "run --dry-run",
      await cli([
        "run",
        "secrets",
        "--pipelines",
        PIPELINES,
        "--dry-run-dir",
        dryRunDir,
      ]),
    );
    let files = 0;
    for (const task of await readdir(dryRunDir)) {
      for (const file of await readdir(join(dryRunDir, task))) {
        files++;
        outputs.push({
          where: `dry-run file ${task}/${file}`,
          text: await readFile(join(dryRunDir, task, file), "utf8"),
        });
      }
    }
    assert.ok(files >= 4, `dry-run files written: ${files}`);
  });

  test("what reads the store: check, runs, rejects, dashboard", async () => {
    keep(
      "check --connections",
      await cli(["check", "--connections", "--pipelines", PIPELINES]),
    );
    keep("runs --json", await cli(["runs", "secrets", "--json"]));
    keep("rejects --json", await cli(["rejects", "secrets", "--json"]));
    keep("dashboard (plain)", await cli(["dashboard"]));
  });

  test("every row of every table of the metadata store", async () => {
    const store = new pg.Client({ connectionString: storeDb.url });
    await store.connect();
    const tables = await store.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE'`,
    );
    for (const { name } of tables.rows) {
      const dump = await store.query<{ row: string }>(
        `select t::text as row from "${name}" t`,
      );
      outputs.push({
        where: `store table ${name}`,
        text: dump.rows.map((r) => r.row).join("\n"),
      });
    }
    await store.end();
    assert.ok(tables.rows.length >= 5);
  });

  test("no output holds a secret in any form", () => {
    assert.ok(outputs.length > 20, `${outputs.length} outputs searched`);
    const found: string[] = [];
    for (const [form, needle] of needles()) {
      for (const { where, text } of outputs) {
        if (text.includes(needle)) found.push(`${form} in ${where}`);
      }
    }
    assert.deepEqual(found, []);
  });
});
