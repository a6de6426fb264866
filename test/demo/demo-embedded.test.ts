import assert from "node:assert/strict";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SHOP_COUNTS } from "../../core/demo/shop-spec.ts";
import { stopEmbeddedServer } from "../../core/store/index.ts";
import { runCli } from "../helpers/cli.ts";

describe(
  "backflow demo on a machine without a PostgreSQL server",
  {
    timeout: 240_000,
  },
  () => {
    let project: string;

    before(async () => {
      project = await mkdtemp(join(tmpdir(), "backflow-demo-"));
      // As root the embedded server runs as `postgres`, which must reach it.
      await chmod(project, 0o755);
    });

    after(async () => {
      await stopEmbeddedServer({ projectDir: project });
      await rm(project, { recursive: true, force: true });
    });

    it("runs on the embedded PostgreSQL it starts itself", async () => {
      // No BACKFLOW_DATABASE_URL and no DEMO_WAREHOUSE_URL (childEnv drops
      // the first; the second is never set by the suite).
      const result = await runCli(["demo"], {
        cwd: project,
        env: { DEMO_WAREHOUSE_URL: undefined },
        timeoutMs: 200_000,
      });
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(result.stderr, /backflow_demo \(schema shop\)/);
      const events = SHOP_COUNTS.orders - 5 + SHOP_COUNTS.pageViews - 3;
      assert.match(
        result.stdout,
        new RegExp(`holds ${events.toLocaleString("en-US")} events`),
      );

      const status = await runCli(["db", "status"], { cwd: project });
      assert.match(status.stdout, /running|accepting/i, status.stdout);
    });
  },
);
