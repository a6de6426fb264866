/**
 * How the scheduler runs task instances: retries and their backoff,
 * timeouts, failures that are not worth retrying, heartbeats and takeover,
 * concurrency caps, and waiting for another DAG.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { ConfigError } from "../../core/errors.ts";
import { triggerRun } from "../../core/scheduler/backfill.ts";
import { pinnedClock, systemClock } from "../../core/scheduler/clock.ts";
import {
  eventually,
  gate,
  openHarness,
  runsOf,
  settle,
  startScheduler,
  taskOf,
  type Harness,
} from "./harness.ts";

let h: Harness;
before(async () => {
  h = await openHarness("bf_sched_tasks");
});
after(() => h.close());

const trigger = (dagId: string, now = new Date()) =>
  triggerRun(h.store.pool, dagId, undefined, now);

describe("retries", () => {
  test("a failed try waits the backoff on the scheduler's clock before the next", async () => {
    const clock = pinnedClock("2024-01-01T10:00:00Z");
    let tries = 0;
    const definition = dag(
      "retry-pinned",
      { retries: 2, retryDelayMs: 60_000, retryJitter: 0.2 },
      (d) => {
        d.task("flaky", () => {
          tries += 1;
          if (tries < 3) throw new Error(`try ${tries} failed`);
        });
      },
    );
    const s = startScheduler(h.store, [definition], { clock });
    const run = await trigger("retry-pinned", clock.now());

    await settle(s);
    let task = await taskOf(h.store, run.id, "flaky");
    assert.equal(task.state, "up_for_retry");
    const firstWait = task.nextTryAt!.getTime() - clock.now().getTime();
    assert.ok(firstWait >= 48_000 && firstWait <= 60_000, `${firstWait}`);

    clock.advance(firstWait - 1);
    await settle(s);
    assert.equal(tries, 1, "not before its time");

    clock.advance(1);
    await settle(s);
    task = await taskOf(h.store, run.id, "flaky");
    const secondWait = task.nextTryAt!.getTime() - clock.now().getTime();
    assert.ok(secondWait >= 96_000 && secondWait <= 120_000, `${secondWait}`);

    clock.advance(secondWait);
    await settle(s);
    task = await taskOf(h.store, run.id, "flaky");
    assert.equal(task.state, "success");
    assert.equal(task.tryNumber, 3);
    const [finished] = await runsOf(h.store, "retry-pinned");
    assert.equal(finished!.state, "success");
    await s.scheduler.stop();
  });

  test("on the real clock the measured waits follow the exponential backoff", async () => {
    const starts: number[] = [];
    const definition = dag(
      "retry-measured",
      { retries: 2, retryDelayMs: 250, retryJitter: 0 },
      (d) => {
        d.task("flaky", () => {
          starts.push(performance.now());
          if (starts.length < 3) throw new Error("not yet");
        });
      },
    );
    const s = startScheduler(h.store, [definition], { clock: systemClock });
    const run = await trigger("retry-measured");
    await s.scheduler.tick();
    await eventually(
      async () => (await h.store.runs.getRun(run.id))?.state === "success",
    );
    const waits = [starts[1]! - starts[0]!, starts[2]! - starts[1]!];
    assert.ok(waits[0]! >= 250 && waits[0]! < 750, `first wait ${waits[0]}`);
    assert.ok(waits[1]! >= 500 && waits[1]! < 1000, `second wait ${waits[1]}`);
    await s.scheduler.stop();
  });

  test("bad configuration fails at once, whatever the retries", async () => {
    let tries = 0;
    const definition = dag("no-retry", { retries: 3, retryDelayMs: 0 }, (d) => {
      d.task("misconfigured", () => {
        tries += 1;
        throw new ConfigError("MIXPANEL_TOKEN is not set");
      });
    });
    const s = startScheduler(h.store, [definition]);
    const run = await trigger("no-retry");
    await settle(s);
    const task = await taskOf(h.store, run.id, "misconfigured");
    assert.equal(tries, 1);
    assert.equal(task.state, "failed");
    assert.equal(task.errorCode, "CONFIG_INVALID");
    assert.equal((await h.store.runs.getRun(run.id))!.state, "failed");
    await s.scheduler.stop();
  });
});

describe("timeouts", () => {
  test("a try past taskTimeoutMs is aborted through its signal and fails with TASK_TIMEOUT", async () => {
    let aborted: unknown;
    const definition = dag("timeout", { taskTimeoutMs: 150 }, (d) => {
      d.task("stuck", (ctx) => {
        return new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        });
      });
    });
    const s = startScheduler(h.store, [definition]);
    const run = await trigger("timeout");
    const began = performance.now();
    await settle(s);
    const took = performance.now() - began;
    const task = await taskOf(h.store, run.id, "stuck");
    assert.equal(task.state, "failed");
    assert.equal(task.errorCode, "TASK_TIMEOUT");
    assert.match(task.error!, /timed out after 150 ms/);
    assert.equal((aborted as { code?: string }).code, "TASK_TIMEOUT");
    assert.ok(took >= 150 && took < 2000, `took ${took}`);
    await s.scheduler.stop();
  });

  test("a task that ignores its signal is left behind after abandonMs", async () => {
    const definition = dag("deaf", { taskTimeoutMs: 100 }, (d) => {
      d.task("deaf", () => new Promise((r) => setTimeout(r, 3000)));
    });
    const s = startScheduler(h.store, [definition], { abandonMs: 100 });
    const run = await trigger("deaf");
    const began = performance.now();
    await settle(s);
    assert.ok(performance.now() - began < 1500);
    assert.equal((await taskOf(h.store, run.id, "deaf")).state, "failed");
    await s.scheduler.stop();
  });
});

describe("heartbeats", () => {
  /** A run whose task a vanished worker left "running". */
  async function orphan(
    dagId: string,
    heartbeat: string | null,
    lostBefore = 0,
  ) {
    const now = new Date("2024-01-01T10:00:00Z");
    const run = await trigger(dagId, now);
    await h.store.pool.query(
      `update dag_runs set state = 'running' where id = $1`,
      [run.id],
    );
    await h.store.pool.query(
      `insert into task_instances (run_id, task_id, state, try_number,
         max_tries, started_at, heartbeat_at, worker)
       values ($1, 'work', 'running', $2, 1, '2024-01-01T09:00:00Z', $3,
               'ghost:1')`,
      [run.id, lostBefore + 1, heartbeat],
    );
    for (let n = 1; n <= lostBefore; n += 1) {
      await h.store.pool.query(
        `insert into task_tries (run_id, task_id, try_number, state)
         values ($1, 'work', $2, 'lost')`,
        [run.id, n],
      );
    }
    return run;
  }

  const worker = (id: string) =>
    dag(id, {}, (d) => {
      d.task("work", () => {});
    });

  test("a task whose worker stopped heart-beating is taken back and run again, its try refunded", async () => {
    const run = await orphan("orphaned", "2024-01-01T09:58:00Z");
    const clock = pinnedClock("2024-01-01T10:00:00Z");
    const s = startScheduler(h.store, [worker("orphaned")], {
      clock,
      heartbeatTimeoutMs: 60_000,
    });
    await settle(s);
    const task = await taskOf(h.store, run.id, "work");
    assert.equal(task.state, "success");
    assert.equal(task.maxTries, 2);
    const tries = await h.store.pool.query(
      `select try_number, state, error from task_tries
        where run_id = $1 order by try_number`,
      [run.id],
    );
    assert.deepEqual(
      tries.rows.map((r) => [r.try_number, r.state]),
      [
        [1, "lost"],
        [2, "success"],
      ],
    );
    assert.match(tries.rows[0].error, /ghost:1 stopped heart-beating/);
    assert.ok(s.events.some((e) => e.type === "task-lost" && e.requeued));
    await s.scheduler.stop();
  });

  test("a task that never wrote a heartbeat is judged by its start (apache/airflow#66773)", async () => {
    const run = await orphan("never-beat", null);
    const s = startScheduler(h.store, [worker("never-beat")], {
      clock: pinnedClock("2024-01-01T10:00:00Z"),
    });
    await settle(s);
    assert.equal((await taskOf(h.store, run.id, "work")).state, "success");
    await s.scheduler.stop();
  });

  test("a task that keeps losing its worker fails instead of looping", async () => {
    const run = await orphan("doomed", "2024-01-01T09:00:00Z", 2);
    const s = startScheduler(h.store, [worker("doomed")], {
      clock: pinnedClock("2024-01-01T10:00:00Z"),
      maxLostTries: 3,
    });
    await settle(s);
    const task = await taskOf(h.store, run.id, "work");
    assert.equal(task.state, "failed");
    assert.match(task.error!, /lost 3 times/);
    await s.scheduler.stop();
  });

  test("a worker that lost its lease stops and overwrites nothing (apache/airflow#6284)", async () => {
    let reason: unknown;
    const definition = dag("taken-over", {}, (d) => {
      d.task("work", (ctx) => {
        return new Promise((_, reject) => {
          ctx.signal.addEventListener("abort", () => {
            reason = ctx.signal.reason;
            reject(new Error("stopped"));
          });
        });
      });
    });
    const s = startScheduler(h.store, [definition], { heartbeatMs: 50 });
    const run = await trigger("taken-over");
    await s.scheduler.tick();
    // (Under the distributed executor a worker claims it a moment later.)
    await eventually(
      async () => (await taskOf(h.store, run.id, "work")).state === "running",
    );
    // Another scheduler took the task over (as after missed heartbeats).
    await h.store.pool.query(
      `update task_instances set worker = 'other:2', try_number = 2
        where run_id = $1`,
      [run.id],
    );
    await s.scheduler.idle();
    assert.match(String((reason as Error).message), /taken over/);
    const task = await taskOf(h.store, run.id, "work");
    assert.deepEqual(
      [task.state, task.worker, task.tryNumber],
      ["running", "other:2", 2],
    );
    await s.scheduler.stop();
  });
});

describe("concurrency", () => {
  test("maxActiveTasks caps the tasks of a DAG running at once", async () => {
    const held = gate();
    let running = 0;
    let most = 0;
    const definition = dag("capped", { maxActiveTasks: 2 }, (d) => {
      for (const id of ["a", "b", "c", "d"]) {
        d.task(id, async () => {
          running += 1;
          most = Math.max(most, running);
          await held.wait;
          running -= 1;
        });
      }
    });
    const s = startScheduler(h.store, [definition]);
    const run = await trigger("capped");
    const first = await s.scheduler.tick();
    assert.equal(first.claimed, 2);
    // Both start (a task writes its run log first; a worker claims later).
    await eventually(() => running === 2);
    held.open();
    await s.scheduler.idle();
    assert.equal(most, 2);
    assert.equal((await h.store.runs.getRun(run.id))!.state, "success");
    await s.scheduler.stop();
  });
});

describe("waiting for another DAG", () => {
  test("a waitFor task succeeds once the other DAG's task succeeded for the same interval", async () => {
    const order: string[] = [];
    const held = gate();
    const load = dag("load", { schedule: "0 * * * *" }, (d) => {
      d.task("orders", async () => {
        await held.wait;
        order.push("load.orders");
      });
    });
    const report = dag("report", { schedule: "0 * * * *" }, (d) => {
      const ready = d.waitFor("orders-loaded", {
        dag: "load",
        task: "orders",
        pollMs: 20,
        timeoutMs: 5000,
      });
      d.task("build", () => {
        order.push("report.build");
      }).after(ready);
    });
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const s = startScheduler(h.store, [report, load], { clock });
    await s.scheduler.tick();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(order, []);
    held.open();
    await s.scheduler.idle();
    assert.deepEqual(order, ["load.orders", "report.build"]);
    await s.scheduler.stop();
  });

  test("…and fails with WAIT_TIMEOUT, without retries, when it never does", async () => {
    const lonely = dag("lonely", { retries: 3 }, (d) => {
      d.waitFor("never", {
        dag: "nobody",
        task: "nothing",
        pollMs: 20,
        timeoutMs: 100,
      });
    });
    const s = startScheduler(h.store, [lonely]);
    const run = await trigger("lonely");
    await settle(s);
    const task = await taskOf(h.store, run.id, "never");
    assert.equal(task.state, "failed");
    assert.equal(task.errorCode, "WAIT_TIMEOUT");
    assert.equal(task.tryNumber, 1);
    await s.scheduler.stop();
  });
});
