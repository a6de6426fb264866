/**
 * The distributed executor in one process, on a real store and a real job
 * queue: a scheduler hands tasks out, `TaskWorker`s take them. Caps across
 * workers, a stopping worker handing its task to another, DAGs a worker
 * lacks, liveness as the dashboard reads it, and the executor setting.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { plainStatus } from "../../cli/dashboard/plain-status.tsx";
import { dag } from "../../core/builder/dag-builder.ts";
import { readOverview, readTaskDetail } from "../../core/dashboard/index.ts";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import { ConfigError } from "../../core/errors.ts";
import { executorKind } from "../../core/executor/executor-kind.ts";
import { QueueExecutor } from "../../core/executor/queue-executor.ts";
import {
  TaskWorker,
  type WorkerEvent,
} from "../../core/executor/task-worker.ts";
import { listWorkers } from "../../core/executor/worker-registry.ts";
import { triggerRun } from "../../core/scheduler/backfill.ts";
import { systemClock } from "../../core/scheduler/clock.ts";
import { Scheduler } from "../../core/scheduler/scheduler.ts";
import {
  eventually,
  gate,
  openHarness,
  publishDags,
  taskOf,
  type Harness,
} from "../scheduler/harness.ts";

let h: Harness;
before(async () => {
  h = await openHarness("bf_task_worker");
});
after(() => h.close());

/** A scheduler handing out `dags`, and workers with their own DAG lists. */
function cluster(dags: DagDefinition[], workerDags: DagDefinition[][]) {
  const executor = new QueueExecutor(h.store);
  const scheduler = new Scheduler({
    store: h.store,
    source: { dags: () => dags },
    clock: systemClock,
    executor,
    heartbeatMs: 100,
  });
  const events: WorkerEvent[][] = workerDags.map(() => []);
  const workers = workerDags.map(
    (own, i) =>
      new TaskWorker({
        store: h.store,
        source: { dags: () => own },
        clock: systemClock,
        worker: `w${i + 1}`,
        concurrency: 3,
        heartbeatMs: 100,
        pollIntervalMs: 100,
        listener: (event) => events[i]!.push(event),
      }),
  );
  return {
    scheduler,
    workers,
    events,
    async start() {
      await Promise.all(workers.map((w) => w.start()));
      scheduler.start();
    },
    async stop() {
      await scheduler.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await executor.close();
    },
  };
}

const runState = async (runId: number) =>
  (await h.store.runs.getRun(runId))?.state;

describe("distributed workers", () => {
  test("a DAG's maxActiveTasks holds over all workers together", async () => {
    const held = gate();
    let running = 0;
    let most = 0;
    const wide = dag("wide", { maxActiveTasks: 3 }, (d) => {
      for (let i = 0; i < 8; i += 1) {
        d.task(`t${i}`, async () => {
          running += 1;
          most = Math.max(most, running);
          await held.wait;
          running -= 1;
        });
      }
    });
    const c = cluster([wide], [[wide], [wide]]);
    await c.start();
    try {
      const run = await triggerRun(h.store.pool, "wide", undefined, new Date());
      await eventually(() => running === 3);
      // Six free slots over two workers, three allowed: none more starts.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(running, 3);
      held.open();
      await eventually(async () => (await runState(run.id)) === "success");
      assert.equal(most, 3);
      const started = c.events.map(
        (list) => list.filter((e) => e.type === "task-started").length,
      );
      assert.equal(started[0]! + started[1]!, 8);
    } finally {
      held.open();
      await c.stop();
    }
  });

  test("a stopping worker hands its task back, and another resumes it", async () => {
    let calls = 0;
    const resumable = dag("resumable", {}, (d) => {
      d.task("long", (ctx) => {
        calls += 1;
        if (calls > 1) return;
        return new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
        });
      });
    });
    const c = cluster([resumable], [[resumable]]);
    const spare = new TaskWorker({
      store: h.store,
      source: { dags: () => [resumable] },
      clock: systemClock,
      worker: "spare",
      heartbeatMs: 100,
      pollIntervalMs: 100,
    });
    await c.start();
    try {
      const run = await triggerRun(
        h.store.pool,
        "resumable",
        undefined,
        new Date(),
      );
      await eventually(() => calls === 1);
      await spare.start();
      await c.workers[0]!.stop();
      await eventually(async () => (await runState(run.id)) === "success");
      const task = await taskOf(h.store, run.id, "long");
      assert.equal(task.worker, "spare");
      assert.equal(task.maxTries, 2, "the interrupted try was refunded");
      const tries = await h.store.pool.query(
        `select state, worker from task_tries where run_id = $1
          order by try_number`,
        [run.id],
      );
      assert.deepEqual(
        tries.rows.map((r) => [r.state, r.worker]),
        [
          ["interrupted", "w1"],
          ["success", "spare"],
        ],
      );
    } finally {
      await c.stop();
      await spare.stop();
    }
  });

  test("a worker whose pipelines lack a DAG leaves its tasks to one that has it", async () => {
    const only = dag("only-some", {}, (d) => {
      for (let i = 0; i < 4; i += 1) d.task(`t${i}`, () => {});
    });
    await publishDags(h.store, [only]);
    const c = cluster([only], [[], [only]]);
    await c.start();
    try {
      const run = await triggerRun(
        h.store.pool,
        "only-some",
        undefined,
        new Date(),
      );
      await eventually(async () => (await runState(run.id)) === "success");
      const tasks = await h.store.runs.listTasks(run.id);
      assert.deepEqual(new Set(tasks.map((t) => t.worker)), new Set(["w2"]));
      // Forbidden from the start, it was never even offered one.
      assert.deepEqual(c.events[0], []);
    } finally {
      await c.stop();
    }
  });

  test("the workers list shows who runs what, and who is alive", async () => {
    const held = gate();
    const watched = dag("watched", {}, (d) => {
      d.task("slow", () => held.wait);
    });
    const c = cluster([watched], [[watched]]);
    await c.start();
    try {
      const run = await triggerRun(
        h.store.pool,
        "watched",
        undefined,
        new Date(),
      );
      await eventually(async () => {
        const w1 = (await listWorkers(h.store.pool)).find(
          (w) => w.workerId === "w1",
        );
        return w1?.tasks.length === 1;
      });
      const [w1] = (await listWorkers(h.store.pool)).filter(
        (w) => w.workerId === "w1",
      );
      assert.equal(w1!.alive, true);
      assert.equal(w1!.state, "running");
      assert.equal(w1!.concurrency, 3);
      assert.deepEqual(
        w1!.tasks.map((t) => [t.runId, t.dagId, t.taskId, t.tryNumber]),
        [[run.id, "watched", "slow", 1]],
      );
      // The dashboard's DAG list says so; its task detail names the worker.
      const screen = plainStatus(await readOverview(h.store.pool));
      assert.match(screen, /workers: 1 alive \(1\/3 tasks\)/);
      const detail = await readTaskDetail(h.store.pool, run.id, "slow");
      assert.equal(detail.instance!.worker, "w1");
      held.open();
      await eventually(async () => (await runState(run.id)) === "success");
    } finally {
      held.open();
      await c.stop();
    }
    const after = (await listWorkers(h.store.pool)).find(
      (w) => w.workerId === "w1",
    );
    assert.equal(after!.state, "stopped");
    assert.equal(after!.alive, false);
    assert.deepEqual(after!.tasks, []);
  });

  test("a worker silent past the timeout is marked lost by a live one", async () => {
    await h.store.pool.query(
      `insert into workers (worker_id, host, pid, concurrency, heartbeat_at)
       values ('ghost', 'gone', 1, 2, now() - interval '1 hour')`,
    );
    const lost: string[] = [];
    const live = new TaskWorker({
      store: h.store,
      source: { dags: () => [] },
      worker: "watcher",
      heartbeatMs: 50,
      workerTimeoutMs: 1000,
      listener: (e) => {
        if (e.type === "worker-lost") lost.push(e.workerId);
      },
    });
    await live.start();
    try {
      await eventually(() => lost.includes("ghost"));
      const ghost = (await listWorkers(h.store.pool)).find(
        (w) => w.workerId === "ghost",
      );
      assert.equal(ghost!.state, "lost");
      assert.equal(ghost!.alive, false);
    } finally {
      await live.stop();
    }
  });
});

describe("the executor setting", () => {
  test("is local by default, distributed on request, and refuses anything else", () => {
    assert.equal(executorKind(undefined), "local");
    assert.equal(executorKind(""), "local");
    assert.equal(executorKind("distributed"), "distributed");
    assert.throws(
      () => executorKind("celery", "--executor"),
      (error: unknown) =>
        error instanceof ConfigError &&
        /--executor is "celery"; use local or distributed/.test(error.message),
    );
  });
});
