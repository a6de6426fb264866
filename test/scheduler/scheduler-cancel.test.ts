/**
 * Run cancellation under the scheduler (and, with
 * BACKFLOW_EXECUTOR=distributed, its workers): a running task stops within
 * a heartbeat and is not retried, nothing more of the run starts, a queued
 * run never starts, and an ended run is refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { claimJob } from "../../core/executor/claim-job.ts";
import { triggerRun } from "../../core/scheduler/backfill.ts";
import {
  cancelRuns,
  CancelRefusedError,
} from "../../core/scheduler/run-cancel.ts";
import {
  eventually,
  openHarness,
  settle,
  startScheduler,
  taskOf,
  type Harness,
} from "./harness.ts";

let h: Harness;
before(async () => {
  h = await openHarness("bf_sched_cancel");
});
after(() => h.close());

const trigger = (dagId: string) =>
  triggerRun(h.store.pool, dagId, undefined, new Date());
const cancel = (dagId: string, runId?: number) =>
  cancelRuns(h.store.pool, dagId, runId, new Date());
const runState = async (runId: number) =>
  (await h.store.runs.getRun(runId))?.state;

describe("cancelling a run", () => {
  test("a running task stops within a heartbeat, is not retried, and its downstream never runs", async () => {
    let tries = 0;
    let reason: unknown;
    let downstream = 0;
    const definition = dag("cancel-running", { retries: 3 }, (d) => {
      const long = d.task("long", (ctx) => {
        tries += 1;
        return new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            reason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
      });
      d.task("after", () => {
        downstream += 1;
      }).after(long);
    });
    const s = startScheduler(h.store, [definition], { heartbeatMs: 100 });
    const run = await trigger("cancel-running");
    await s.scheduler.tick();
    await eventually(
      async () => (await taskOf(h.store, run.id, "long")).state === "running",
    );

    const began = performance.now();
    const cancelled = await cancel("cancel-running");
    assert.deepEqual(
      cancelled.map((c) => [c.run.id, c.was, c.run.state]),
      [[run.id, "running", "running"]],
    );
    await eventually(async () => (await runState(run.id)) === "cancelled");
    const took = performance.now() - began;
    assert.ok(took < 2000, `took ${took} ms`);
    await settle(s);

    assert.equal((reason as { code?: string }).code, "RUN_CANCELLED");
    const long = await taskOf(h.store, run.id, "long");
    assert.deepEqual(
      [long.state, long.errorCode, long.tryNumber],
      ["cancelled", "RUN_CANCELLED", 1],
    );
    assert.match(long.error!, /run \d+ was cancelled by the user/);
    assert.equal(tries, 1, "not retried");
    assert.equal((await taskOf(h.store, run.id, "after")).state, "cancelled");
    assert.equal(downstream, 0);
    const kept = await h.store.pool.query(
      `select try_number, state from task_tries where run_id = $1`,
      [run.id],
    );
    assert.deepEqual(kept.rows, [{ try_number: 1, state: "cancelled" }]);
    assert.ok(
      s.events.some(
        (e) => e.type === "run-finished" && e.run.state === "cancelled",
      ),
    );
    await s.scheduler.stop();
  });

  test("a queued run is cancelled at once and never starts a task", async () => {
    let ran = 0;
    const definition = dag("cancel-queued", {}, (d) => {
      d.task("work", () => {
        ran += 1;
      });
    });
    const run = await trigger("cancel-queued");
    const [cancelled] = await cancel("cancel-queued", run.id);
    assert.deepEqual(
      [cancelled!.was, cancelled!.run.state],
      ["queued", "cancelled"],
    );
    assert.ok(cancelled!.run.endedAt);

    const s = startScheduler(h.store, [definition]);
    await settle(s);
    await settle(s);
    assert.equal(ran, 0);
    assert.equal(await runState(run.id), "cancelled");
    assert.deepEqual(await h.store.runs.listTasks(run.id), []);
    await s.scheduler.stop();
  });

  test("a worker's claim refuses a job of a run being cancelled, and the waiting task ends cancelled", async () => {
    let ran = 0;
    const definition = dag("cancel-waiting", {}, (d) => {
      d.task("work", () => {
        ran += 1;
      });
    });
    // A started run whose task waits: as if handed out to the queue
    // just before the cancel.
    const run = await trigger("cancel-waiting");
    await h.store.pool.query(
      `update dag_runs set state = 'running', started_at = now()
        where id = $1`,
      [run.id],
    );
    await h.store.pool.query(
      `insert into task_instances (run_id, task_id) values ($1, 'work')`,
      [run.id],
    );
    await cancel("cancel-waiting");

    const claim = await claimJob(h.store.pool, {
      job: {
        runId: run.id,
        dagId: "cancel-waiting",
        taskId: "work",
        tryNumber: 1,
      },
      dag: definition,
      worker: "test:1",
      now: new Date(),
      poolCap: () => 4,
    });
    assert.deepEqual(claim, {
      claimed: false,
      reason: "the run is being cancelled",
    });

    const s = startScheduler(h.store, [definition]);
    await settle(s);
    assert.equal(ran, 0);
    const work = await taskOf(h.store, run.id, "work");
    assert.deepEqual([work.state, work.tryNumber], ["cancelled", 0]);
    assert.equal(await runState(run.id), "cancelled");
    await s.scheduler.stop();
  });

  test("an ended or unknown run is refused with a message naming it", async () => {
    const definition = dag("cancel-ended", {}, (d) => {
      d.task("work", () => {});
    });
    const s = startScheduler(h.store, [definition]);
    const run = await trigger("cancel-ended");
    await settle(s);
    assert.equal(await runState(run.id), "success");
    await s.scheduler.stop();

    await assert.rejects(
      cancel("cancel-ended", run.id),
      (error: unknown) =>
        error instanceof CancelRefusedError &&
        error.message ===
          `run ${run.id} of DAG "cancel-ended" already ended (success); ` +
            `only a queued or running run can be cancelled`,
    );
    await assert.rejects(
      cancel("cancel-ended", run.id + 1000),
      /DAG "cancel-ended" has no run \d+/,
    );
    assert.deepEqual(await cancel("cancel-ended"), []);
    assert.equal(await runState(run.id), "success");
  });
});
