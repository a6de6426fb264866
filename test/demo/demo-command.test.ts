import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { ACTIVITY } from "../../core/demo/shop-activity.ts";
import { SHOP_COUNTS } from "../../core/demo/shop-spec.ts";
import {
  runCli,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** Events the shop holds that Mixpanel accepts: all but 5 orders, 3 views. */
const GOOD_EVENTS = SHOP_COUNTS.orders - 5 + SHOP_COUNTS.pageViews - 3;

interface DemoJson {
  generated: boolean;
  activity?: { orders: number; pageViews: number; users: number };
  summary: {
    state: string;
    totals: { rowsRead: number; recordsSent: number; rejected: number };
    tasks: { taskId: string; recordsSent: number }[];
  };
  emulator?: { events: number; profiles: number; groups: number };
  rejections: { taskId: string; field: string; count: number }[];
}

function sentBy(out: DemoJson, taskId: string): number {
  return out.summary.tasks.find((t) => t.taskId === taskId)!.recordsSent;
}

describe("backflow demo", { timeout: 240_000 }, () => {
  let store: TestDatabase;
  let warehouse: TestDatabase;
  let env: Record<string, string>;

  before(async () => {
    store = await createTestDatabase("bf_demo_store");
    warehouse = await createTestDatabase("bf_demo_shop");
    env = {
      BACKFLOW_DATABASE_URL: store.url,
      DEMO_WAREHOUSE_URL: warehouse.url,
    };
  });

  after(async () => {
    await warehouse.drop();
    await store.drop();
  });

  it("refuses --to-mixpanel without credentials, naming the variables", async () => {
    const result = await runCli(["demo", "--to-mixpanel"], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /MIXPANEL_TOKEN is not set/);
    assert.match(result.stderr, /company_id/);
  });

  it("builds the shop, syncs it to the emulator and explains the outcome", async () => {
    const result = await runCli(["demo"], { env, timeoutMs: 180_000 });
    assert.equal(result.code, 0, result.stderr + result.stdout);

    assert.match(result.stderr, /generated the shop/);
    assert.match(result.stderr, /✓ page-views success/);
    const out = result.stdout;
    const events = GOOD_EVENTS.toLocaleString("en-US");
    assert.match(
      out,
      new RegExp(
        `holds ${events} events, 10,000 user profiles and 500 company`,
      ),
    );
    assert.match(out, /3 × orders\.user_id, e\.g\. row 4242/);
    assert.match(out, /2 × orders\.created_at, e\.g\. row 777\n.*before 1971/);
    assert.match(out, /user id "undefined" in column "distinct_id"/);
    assert.match(out, /backflow rejects shop/);
    assert.match(out, /backflow dashboard/);
    assert.match(out, /backflow init/);
    assert.doesNotMatch(out + result.stderr, /postgres:\/\/[^@\s]*:[^@\s*]+@/);

    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>(
        "select count(*)::int as n from rejected_rows",
      );
      assert.equal(rows[0]!.n, 8, "rejections are in the metadata store");
    } finally {
      await client.end();
    }
  });

  it("sends almost nothing the second time: only what changed", async () => {
    const result = await runCli(["demo", "--json"], {
      env,
      timeoutMs: 120_000,
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as DemoJson;

    assert.equal(out.generated, false);
    assert.deepEqual(out.activity, ACTIVITY);
    assert.equal(sentBy(out, "orders"), ACTIVITY.orders);
    assert.equal(sentBy(out, "page-views"), ACTIVITY.pageViews);
    assert.equal(sentBy(out, "companies"), 0);
    assert.ok(out.summary.totals.rowsRead < 5000, "read past checkpoints");
    assert.equal(out.emulator!.events, ACTIVITY.orders + ACTIVITY.pageViews);
    assert.equal(out.emulator!.profiles, ACTIVITY.users);
    const rejected = out.rejections.reduce((n, g) => n + g.count, 0);
    assert.equal(rejected, 8, "rejected rows are retried, and fail again");
  });

  describe("into a project named by MIXPANEL_* variables", () => {
    let project: EmulatorProcess;

    before(async () => {
      project = await startEmulatorProcess(["--token", "real-token"]);
    });

    after(() => project.stop());

    it("sends the whole shop when the destination changed", async () => {
      const result = await runCli(["demo", "--to-mixpanel", "--json"], {
        env: {
          ...env,
          MIXPANEL_TOKEN: "real-token",
          MIXPANEL_API_URL: project.url,
        },
        timeoutMs: 180_000,
      });
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout) as DemoJson;
      assert.equal(out.emulator, undefined);

      const stats = await project.get<{ events: number; groups: number }>(
        "/_emulator/stats",
      );
      assert.equal(
        stats.events,
        GOOD_EVENTS + ACTIVITY.orders + ACTIVITY.pageViews,
      );
      assert.equal(stats.groups, SHOP_COUNTS.companies);
    });
  });
});
