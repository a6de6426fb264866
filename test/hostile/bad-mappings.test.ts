/**
 * Pipeline modules with bad mappings that types can not catch (plain
 * JavaScript, or a query changed under its mapping): `backflow check`
 * names the task and the field before anything runs; at run time a
 * mapping that can never work fails its task by name, a mapping that
 * fails on some rows rejects those rows with the reason, and the other
 * tasks and rows go through.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  projectRoot,
  runCli,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../helpers/cli.ts";

const CORE = JSON.stringify(join(projectRoot, "core", "index.ts"));

const HEAD = `
import { dag, env, mixpanel, postgres } from ${CORE};
const warehouse = postgres("warehouse", { url: env("BAD_URL") });
const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  apiUrl: env("MIXPANEL_API_URL"),
});
const from = warehouse.query\`
  select id, 'u' || id as user_id, now() - interval '1 day' as ts,
         'yesterday' as label
    from generate_series(1, 4) id\`;
const base = {
  from, to: product, event: "E", insertId: "id", userId: "user_id",
  time: "ts", rejectThreshold: { maxShare: 1 },
};
`;

const RUNS = `${HEAD}
export default dag("bad_mappings", {}, (d) => {
  d.events("missing_column", { ...base, userId: "nope" });
  d.events("throwing_fn", { ...base, properties: {
    x: (r) => { if (r.id % 2) throw new Error("odd row " + r.id); return 1; },
  } });
  d.events("bad_event_name", { ...base, event: () => 42 });
  d.events("text_time", { ...base, time: "label" });
  d.events("returns_map", { ...base, properties: { x: () => new Map() } });
  d.events("fine", base);
});
`;

const CHECKS: Record<string, { module: string; message: RegExp }> = {
  "reserved.js": {
    module: `${HEAD}
export default dag("reserved", {}, (d) => {
  d.events("reserved", { ...base, properties: { distinct_id: "label" } });
});`,
    message: /task "reserved": properties: "distinct_id" is set by backflow/,
  },
  "number.js": {
    module: `${HEAD}
export default dag("number", {}, (d) => {
  d.events("number", { ...base, properties: { x: 42 } });
});`,
    message: /task "number": properties\.x must be a column name or a function/,
  },
  "no-insert-id.js": {
    module: `${HEAD}
export default dag("no_insert_id", {}, (d) => {
  d.events("orders", { ...base, insertId: undefined });
});`,
    message: /task "orders".*insertId/,
  },
};

interface Summary {
  state: string;
  tasks: Array<{
    taskId: string;
    state: string;
    recordsSent: number;
    rejected: number;
    error?: string;
    errorCode?: string;
  }>;
}

describe("pipeline modules with bad mappings", () => {
  let dir: string;
  let source: TestDatabase;
  let store: TestDatabase;
  let emulator: EmulatorProcess;
  let env: Record<string, string>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "bf-bad-mappings-"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "bad-mappings", type: "module" }),
    );
    await mkdir(join(dir, "runs"));
    await writeFile(join(dir, "runs", "bad.js"), RUNS);
    await mkdir(join(dir, "checks"));
    for (const [file, { module }] of Object.entries(CHECKS)) {
      await writeFile(join(dir, "checks", file), module);
    }
    source = await createTestDatabase("bf_badmap");
    store = await createTestDatabase("bf_badmap_store");
    emulator = await startEmulatorProcess(["--token", "bad-token"]);
    env = {
      BAD_URL: source.url,
      MIXPANEL_TOKEN: "bad-token",
      MIXPANEL_API_URL: emulator.url,
      BACKFLOW_DATABASE_URL: store.url,
    };
  });
  after(async () => {
    await emulator?.stop();
    await store?.drop();
    await source?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("check names the DAG, the task and the field of each bad mapping", async () => {
    const check = await runCli(
      ["check", "--json", "--pipelines", join(dir, "checks")],
      { env, cwd: dir },
    );
    assert.equal(check.code, 1, check.stderr);
    const out = JSON.parse(check.stdout) as {
      diagnostics: Array<{ file: string; message: string; line?: number }>;
    };
    for (const [file, { message }] of Object.entries(CHECKS)) {
      const found = out.diagnostics.filter((d) => d.file === file);
      assert.equal(found.length, 1, `${file}: ${JSON.stringify(found)}`);
      assert.match(found[0]!.message, message);
      assert.ok(found[0]!.line, `${file}: a line to change`);
    }
  });

  test("run: a mapping that can never work fails its task by name; row failures are rejections", async () => {
    const run = await runCli(
      ["run", "bad_mappings", "--json", "--pipelines", join(dir, "runs")],
      { env, cwd: dir },
    );
    assert.equal(run.code, 1, "one task failed");
    const summary = JSON.parse(run.stdout) as Summary;
    const task = (id: string) => summary.tasks.find((t) => t.taskId === id)!;

    const missing = task("missing_column");
    assert.equal(missing.state, "failed");
    assert.equal(missing.errorCode, "DAG_INVALID");
    assert.match(
      missing.error!,
      /names column "nope", but the query returns only id, user_id, ts, label/,
    );

    assert.deepEqual(
      [task("throwing_fn").recordsSent, task("throwing_fn").rejected],
      [2, 2],
    );
    for (const id of ["bad_event_name", "text_time", "returns_map"]) {
      assert.equal(task(id).state, "success", id);
      assert.equal(task(id).rejected, 4, id);
    }
    assert.deepEqual(
      [task("fine").state, task("fine").recordsSent],
      ["success", 4],
    );

    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    const { rows } = await client.query<{
      task_id: string;
      field: string;
      reason: string;
    }>("select distinct task_id, field, reason from rejected_rows");
    await client.end();
    const reasons = (id: string) => rows.filter((r) => r.task_id === id);
    assert.ok(
      reasons("throwing_fn").every(
        (r) =>
          r.field === "x" && /property "x" threw: odd row \d/.test(r.reason),
      ),
      JSON.stringify(reasons("throwing_fn")),
    );
    assert.match(reasons("bad_event_name")[0]!.reason, /event name/);
    assert.equal(reasons("text_time")[0]!.field, "label");
    assert.match(reasons("returns_map")[0]!.reason, /unsupported type \(Map\)/);
  });
});
