/**
 * `backflow check --connections` against a real PostgreSQL and a real
 * emulator process: working connections pass, wrong credentials fail with
 * a message saying which, and nothing is written anywhere.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import pg from "pg";

import {
  runCli,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createTempProject, type TempProject } from "./project.ts";

const TOKEN = "check-token";
const PROJECT_ID = "4242";
const ACCOUNT = { user: "sa.check", secret: "sa-secret-value" };

const MODULE = `import { dag, env, mixpanel, postgres } from "backflow";

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  username: env.optional("MIXPANEL_USERNAME"),
  secret: env.optional("MIXPANEL_SECRET"),
  projectId: env.optional("MIXPANEL_PROJECT_ID"),
  apiUrl: env("MIXPANEL_API_URL"),
});

export default dag("shop", {}, (d) => {
  d.events("orders", {
    from: warehouse.query\`select id, user_id, created_at from orders\`,
    to: product,
    insertId: "id",
    userId: "user_id",
    time: "created_at",
  });
});
`;

interface Check {
  kind: string;
  name: string;
  ok: boolean;
  message: string;
}

describe("backflow check --connections", () => {
  let warehouse: TestDatabase;
  let emulator: EmulatorProcess;
  let project: TempProject;

  before(async () => {
    warehouse = await createTestDatabase("bf_check");
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    await client.query(
      `create table orders (id text primary key, user_id text,
                            created_at timestamptz)`,
    );
    await client.end();
    emulator = await startEmulatorProcess([
      "--token",
      TOKEN,
      "--project-id",
      PROJECT_ID,
      "--service-account",
      `${ACCOUNT.user}:${ACCOUNT.secret}`,
    ]);
    project = await createTempProject({ "shop.ts": MODULE });
  });
  after(async () => {
    await emulator?.stop();
    await warehouse?.drop();
    await project?.cleanup();
  });

  async function check(env: Record<string, string>) {
    const run = await runCli(
      ["check", "--connections", "--json", "--pipelines", project.pipelines],
      {
        cwd: project.root,
        env: {
          WAREHOUSE_URL: warehouse.url,
          MIXPANEL_TOKEN: TOKEN,
          MIXPANEL_API_URL: emulator.url,
          ...env,
        },
      },
    );
    const out = JSON.parse(run.stdout) as { ok: boolean; connections: Check[] };
    const by = (kind: string) => out.connections.find((c) => c.kind === kind)!;
    return { run, out, postgres: by("postgres"), mixpanel: by("mixpanel") };
  }

  test("working connections pass and nothing reaches the emulator", async () => {
    const { run, out, postgres, mixpanel } = await check({});
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(out.ok, true);
    assert.equal(postgres.ok, true);
    assert.match(postgres.message, /read-only transaction ok; 1 source query/);
    assert.equal(mixpanel.ok, true, mixpanel.message);
    assert.match(mixpanel.message, /project token accepted/);

    const stats =
      await emulator.get<Record<string, number>>("/_emulator/stats");
    assert.equal(stats.events, 0);
    assert.equal(stats.profiles, 0);
    const requests = await emulator.get<{ path: string; status: number }[]>(
      "/_emulator/requests",
    );
    assert.deepEqual(
      requests.map((r) => r.status),
      [400],
    );
  });

  test("an unknown project token fails the Mixpanel check", async () => {
    const { run, postgres, mixpanel } = await check({
      MIXPANEL_TOKEN: "not-the-token",
    });
    assert.equal(run.code, 1);
    assert.equal(postgres.ok, true);
    assert.equal(mixpanel.ok, false);
    assert.match(mixpanel.message, /refused the project token \(HTTP 401\)/);
  });

  test("a service account is checked, and so is the token beside it", async () => {
    const good = await check({
      MIXPANEL_USERNAME: ACCOUNT.user,
      MIXPANEL_SECRET: ACCOUNT.secret,
      MIXPANEL_PROJECT_ID: PROJECT_ID,
    });
    assert.equal(good.run.code, 0, good.run.stdout);
    assert.match(
      good.mixpanel.message,
      /service account credentials and project token accepted/,
    );

    const badSecret = await check({
      MIXPANEL_USERNAME: ACCOUNT.user,
      MIXPANEL_SECRET: "wrong-secret",
      MIXPANEL_PROJECT_ID: PROJECT_ID,
    });
    assert.equal(badSecret.run.code, 1);
    assert.match(badSecret.mixpanel.message, /service account credentials/);
    assert.doesNotMatch(badSecret.run.stdout, /wrong-secret/);

    const badToken = await check({
      MIXPANEL_TOKEN: "other-token",
      MIXPANEL_USERNAME: ACCOUNT.user,
      MIXPANEL_SECRET: ACCOUNT.secret,
      MIXPANEL_PROJECT_ID: PROJECT_ID,
    });
    assert.equal(badToken.run.code, 1);
    assert.match(
      badToken.mixpanel.message,
      /refused the project token for project 4242/,
    );
  });

  test("a missing table fails the Postgres check, naming the task", async () => {
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    await client.query("alter table orders rename to old_orders");
    await client.end();
    try {
      const { run, postgres } = await check({});
      assert.equal(run.code, 1);
      assert.equal(postgres.ok, false);
      assert.match(postgres.message, /the query of shop\.orders fails/);
      assert.match(postgres.message, /orders/);
    } finally {
      const undo = new pg.Client({ connectionString: warehouse.url });
      await undo.connect();
      await undo.query("alter table old_orders rename to orders");
      await undo.end();
    }
  });
});
