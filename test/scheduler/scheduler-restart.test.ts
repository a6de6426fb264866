/**
 * Stopping and killing a real `backflow scheduler` in the middle of a run:
 * SIGTERM lets the batch in flight finish, keeps its checkpoint and exits
 * 0; SIGKILL loses nothing, because the next scheduler finds the silent
 * lease, takes the task back and resumes it from the checkpoint.
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
  type Project,
} from "./process-harness.ts";

// Ten batches of 400 ms; a checkpoint after each. A stop request is seen
// between batches: the batch in flight always completes first.
const SLOW = `
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dag } from ${JSON.stringify(CORE)};

const dir = process.env.WORK_DIR!;
const checkpoint = join(dir, "checkpoint.json");

export default dag("slow", {}, (d) => {
  d.task("batches", async (ctx) => {
    let done: number = existsSync(checkpoint)
      ? JSON.parse(readFileSync(checkpoint, "utf8")).done
      : 0;
    while (done < 10) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const batch = done + 1;
      appendFileSync(join(dir, "batches.log"), \`start \${batch}\\n\`);
      await new Promise((resolve) => setTimeout(resolve, 400));
      appendFileSync(join(dir, "batches.log"), \`done \${batch}\\n\`);
      writeFileSync(checkpoint + ".tmp", JSON.stringify({ done: batch }));
      renameSync(checkpoint + ".tmp", checkpoint);
      done = batch;
    }
  });
});
`;

const FLAGS = ["--heartbeat-ms", "200", "--heartbeat-timeout-ms", "2500"];

describe("stopping a scheduler in the middle of a run", () => {
  let db: TestDatabase;
  let project: Project;
  let pool: pg.Pool;

  const checkpoint = async (): Promise<number> => {
    const text = await readFile(
      join(project.dir, "checkpoint.json"),
      "utf8",
    ).catch(() => '{"done":0}');
    return (JSON.parse(text) as { done: number }).done;
  };
  const until = async (check: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("timed out waiting");
      await sleep(100);
    }
  };
  const task = async () =>
    (
      await pool.query<{ state: string; worker: string | null }>(
        `select t.state, t.worker from task_instances t
           join dag_runs r on r.id = t.run_id where r.dag_id = 'slow'`,
      )
    ).rows[0]!;
  const runState = async () =>
    (
      await pool.query<{ state: string }>(
        `select state from dag_runs where dag_id = 'slow'`,
      )
    ).rows[0]?.state;

  before(async () => {
    db = await createTestDatabase("bf_sched_restart");
    project = await createProject({ BACKFLOW_DATABASE_URL: db.url });
    project.env.WORK_DIR = project.dir;
    await project.write("slow.ts", SLOW);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  after(async () => {
    await pool?.end();
    await project?.remove();
    await db?.drop();
  });

  let stoppedAt = 0;

  test("SIGTERM: the batch in flight finishes, its checkpoint is kept, the process exits 0", async () => {
    const first = spawnScheduler(project, FLAGS);
    await first.waitFor(/scheduler \S+ started/);
    const triggered = await project.cli(["trigger", "slow"]);
    assert.equal(triggered.code, 0, triggered.stderr);
    await until(async () => (await checkpoint()) >= 2);

    first.kill("SIGTERM");
    const exit = await first.exited;
    assert.equal(exit.code, 0, first.stderr.join("\n"));
    assert.ok(first.stdout.some((l) => /scheduler stopped/.test(l)));

    stoppedAt = await checkpoint();
    const log = (await readFile(join(project.dir, "batches.log"), "utf8"))
      .trim()
      .split("\n");
    assert.equal(log.at(-1), `done ${stoppedAt}`, "the last batch completed");
    assert.equal((await task()).state, "queued", "handed back, not failed");
    assert.equal(await runState(), "running");
    const tries = await pool.query(
      `select state from task_tries order by try_number`,
    );
    assert.deepEqual(
      tries.rows.map((r) => r.state),
      ["interrupted"],
    );
  });

  test("SIGKILL, then a new start: the task is taken back, resumed from the checkpoint and completed", async () => {
    const second = spawnScheduler(project, FLAGS);
    await second.waitFor(/scheduler \S+ started/);
    await until(async () => (await checkpoint()) >= stoppedAt + 2);
    second.kill("SIGKILL");
    assert.equal((await second.exited).signal, "SIGKILL");
    assert.equal((await task()).state, "running", "the dead worker's lease");

    const third = spawnScheduler(project, FLAGS);
    await until(async () => (await runState()) === "success");
    third.kill("SIGTERM");
    assert.equal((await third.exited).code, 0);

    const lines = (await readFile(join(project.dir, "batches.log"), "utf8"))
      .trim()
      .split("\n");
    const done = lines.filter((l) => l.startsWith("done "));
    assert.deepEqual(
      done,
      Array.from({ length: 10 }, (_, i) => `done ${i + 1}`),
      "every batch completed exactly once",
    );
    const tries = await pool.query(
      `select state from task_tries order by try_number`,
    );
    assert.deepEqual(
      tries.rows.map((r) => r.state),
      ["interrupted", "lost", "success"],
    );
    assert.ok(
      third.stdout.some((l) => /stopped heart-beating; queued again/.test(l)),
      third.stdout.join("\n"),
    );
  });
});
