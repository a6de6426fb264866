/**
 * Two real `backflow scheduler` processes on one metadata store, for about
 * twenty seconds, over a folder holding a DAG on a 2-second schedule, a
 * broken module, a DAG that gets paused and unpaused, one whose schedule is
 * edited while they run, and a failing DAG with a webhook.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import pg from "pg";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  CORE,
  createProject,
  sleep,
  spawnScheduler,
  webhookReceiver,
  type Project,
  type SchedulerProcess,
} from "./process-harness.ts";

const logging = (id: string, schedule: string, log: string) => `
import { appendFileSync } from "node:fs";
import { dag } from ${JSON.stringify(CORE)};

export default dag(${JSON.stringify(id)}, { schedule: ${JSON.stringify(schedule)} }, (d) => {
  d.task("log", (ctx) => {
    appendFileSync(
      ${JSON.stringify(log)},
      \`\${ctx.interval.start.toISOString()} \${ctx.interval.end.toISOString()} \${process.pid}\\n\`,
    );
  });
});
`;

const BROKEN = `
import { dag } from ${JSON.stringify(CORE)};

const retries: number = "three";
export default dag("broken", { schedule: "* * * * * *", retries }, (d) => {
  d.task("never", () => {});
});
`;

const FAILING = `
import { dag, env } from ${JSON.stringify(CORE)};

export default dag("failing", { notify: { webhook: env("HOOK_URL") } }, (d) => {
  d.task("explode", () => {
    throw new Error("the warehouse table is gone");
  });
});
`;

interface Interval {
  start: string;
  end: string;
}

async function intervals(path: string): Promise<Interval[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [start, end] = line.split(" ");
      return { start: start!, end: end! };
    })
    .sort((a, b) => a.start.localeCompare(b.start));
}

function assertContiguous(list: Interval[], what: string) {
  for (let i = 1; i < list.length; i += 1) {
    assert.equal(
      list[i]!.start,
      list[i - 1]!.end,
      `${what}: gap or overlap at ${i}`,
    );
  }
}

describe("two scheduler processes on one store", () => {
  let db: TestDatabase;
  let project: Project;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let a: SchedulerProcess;
  let b: SchedulerProcess;
  let pool: pg.Pool;
  const marks: Record<string, number> = {};
  let exits: { code: number | null }[];

  before(async () => {
    db = await createTestDatabase("bf_sched_proc");
    hook = await webhookReceiver();
    project = await createProject({
      BACKFLOW_DATABASE_URL: db.url,
      HOOK_URL: hook.url,
    });
    const log = (name: string) => join(project.dir, `${name}.log`);
    await project.write(
      "tick.ts",
      logging("tick", "*/2 * * * * *", log("tick")),
    );
    await project.write(
      "pausable.ts",
      logging("pausable", "*/2 * * * * *", log("pausable")),
    );
    await project.write(
      "editable.ts",
      logging("editable", "*/4 * * * * *", log("editable")),
    );
    await project.write("broken.ts", BROKEN);
    await project.write("failing.ts", FAILING);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });

    a = spawnScheduler(project);
    b = spawnScheduler(project);
    await Promise.all([a, b].map((p) => p.waitFor(/scheduler \S+ started/)));
    marks.started = Date.now();

    const triggered = await project.cli(["trigger", "failing"]);
    assert.equal(triggered.code, 0, triggered.stderr);

    await sleep(3000);
    const paused = await project.cli(["pause", "pausable"]);
    assert.equal(paused.code, 0, paused.stderr);
    marks.paused = Date.now();
    await sleep(5000);
    marks.unpausing = Date.now();
    const unpaused = await project.cli(["unpause", "pausable"]);
    assert.equal(unpaused.code, 0, unpaused.stderr);

    await sleep(1000);
    marks.edited = Date.now();
    await project.write(
      "editable.ts",
      logging("editable", "*/2 * * * * *", log("editable")),
    );

    // The edit is live once 2-second intervals of it have run.
    const editedLog = log("editable");
    for (let i = 0; i < 100; i += 1) {
      const ran = await intervals(editedLog);
      const twos = ran.filter(
        (r) => Date.parse(r.end) - Date.parse(r.start) === 2000,
      );
      if (twos.length >= 2) break;
      await sleep(200);
    }
    await sleep(Math.max(0, marks.started + 21_000 - Date.now()));
    a.kill("SIGTERM");
    b.kill("SIGTERM");
    exits = await Promise.all([a.exited, b.exited]);
  });

  after(async () => {
    for (const p of [a, b]) if (p?.child.exitCode === null) p.kill("SIGKILL");
    await pool?.end();
    await hook?.close();
    await project?.remove();
    await db?.drop();
  });

  test("each interval of a 2-second schedule ran exactly once, with no gap", async () => {
    const ran = await intervals(join(project.dir, "tick.log"));
    assert.ok(ran.length >= 8, `only ${ran.length} intervals in ~20 s`);
    const keys = ran.map((r) => `${r.start}/${r.end}`);
    assert.equal(new Set(keys).size, keys.length, "an interval ran twice");
    assertContiguous(ran, "tick");
    for (const r of ran) {
      assert.equal(Date.parse(r.end) - Date.parse(r.start), 2000);
    }

    const runs = await pool.query<{ start: Date; state: string }>(
      `select data_interval_start as start, state from dag_runs
        where dag_id = 'tick'`,
    );
    const all = new Set(runs.rows.map((r) => r.start.toISOString()));
    const logged = new Set(ran.map((r) => r.start));
    for (const start of logged) assert.ok(all.has(start), start);
    for (const run of runs.rows.filter((r) => r.state === "success")) {
      assert.ok(logged.has(run.start.toISOString()));
    }
  });

  test("both exit 0 on SIGTERM", () => {
    assert.deepEqual(
      exits.map((e) => e.code),
      [0, 0],
    );
  });

  test("a broken module is reported and the good DAGs keep running", async () => {
    for (const p of [a, b]) {
      assert.ok(
        p.stderr.some((l) =>
          /import error in broken\.ts: .*'string' is not assignable/.test(l),
        ),
        p.stderr.join("\n"),
      );
    }
    const stored = await pool.query(`select file_path from import_errors`);
    assert.deepEqual(
      stored.rows.map((r) => r.file_path),
      ["broken.ts"],
    );
    const broken = await pool.query(
      `select 1 from dag_runs where dag_id = 'broken'`,
    );
    assert.equal(broken.rowCount, 0);
  });

  test("a paused DAG does not run, and resumes when unpaused", async () => {
    const runs = await pool.query<{ queued: Date }>(
      `select queued_at as queued from dag_runs where dag_id = 'pausable'`,
    );
    const queued = runs.rows.map((r) => r.queued.getTime());
    const during = queued.filter(
      (t) => t > marks.paused! + 2500 && t < marks.unpausing!,
    );
    assert.deepEqual(during, [], "runs were created while paused");
    assert.ok(
      queued.some((t) => t < marks.paused!),
      "ran before the pause",
    );
    assert.ok(
      queued.some((t) => t > marks.unpausing!),
      "resumed after",
    );
    const state = await pool.query(
      `select is_paused from dags where dag_id = 'pausable'`,
    );
    assert.equal(state.rows[0].is_paused, false);
  });

  test("an edited schedule takes effect without a restart, intervals still contiguous", async () => {
    const ran = await intervals(join(project.dir, "editable.log"));
    const lengths = ran.map((r) => Date.parse(r.end) - Date.parse(r.start));
    assert.ok(
      lengths.slice(0, 1).every((l) => l === 4000),
      lengths.join(),
    );
    assert.ok(
      lengths.filter((l) => l === 2000).length >= 2,
      `no 2-second intervals after the edit: ${lengths.join()}\n` +
        [...a.stdout, ...a.stderr].filter((l) => /compil/.test(l)).join("\n"),
    );
    assertContiguous(ran, "editable");
    const keys = ran.map((r) => r.start);
    assert.equal(new Set(keys).size, keys.length);
  });

  test("a failing run posts one JSON message to the DAG's webhook", () => {
    const failed = hook.bodies.filter((b) => b.dagId === "failing");
    assert.equal(failed.length, 1, JSON.stringify(hook.bodies));
    const body = failed[0]!;
    assert.equal(body.event, "run_failed");
    assert.equal(body.runType, "manual");
    assert.deepEqual(body.failedTasks, [
      {
        taskId: "explode",
        state: "failed",
        error: "the warehouse table is gone",
        errorCode: null,
      },
    ]);
  });
});
