/**
 * The scheduler loop with a pinned clock on a real store: which runs it
 * creates, starts, skips and finishes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { mixpanel } from "../../core/builder/mixpanel-connection.ts";
import { postgres } from "../../core/builder/postgres-connection.ts";
import { startEmulator } from "../../core/emulator/index.ts";
import {
  backfillIntervals,
  createBackfill,
  triggerRun,
} from "../../core/scheduler/backfill.ts";
import { pinnedClock } from "../../core/scheduler/clock.ts";
import { CronSchedule } from "../../core/scheduler/cron-schedule.ts";
import { setPaused } from "../../core/scheduler/dag-controls.ts";
import type { RunNotification } from "../../core/scheduler/notifier.ts";
import {
  gate,
  openHarness,
  publishDags,
  runsOf,
  settle,
  span,
  startScheduler,
  type Harness,
} from "./harness.ts";

let h: Harness;
before(async () => {
  h = await openHarness("bf_sched_runs");
});
after(() => h.close());

/** An hourly DAG whose one task records the intervals it ran for. */
function hourly(id: string, options: Parameters<typeof dag>[1] = {}) {
  const seen: string[] = [];
  let running = 0;
  let most = 0;
  const definition = dag(id, { schedule: "0 * * * *", ...options }, (d) => {
    d.task("work", async (ctx) => {
      running += 1;
      most = Math.max(most, running);
      seen.push(span(ctx.interval));
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
    });
  });
  return { definition, seen, most: () => most };
}

describe("catch-up", () => {
  test("is off by default: after a gap only the latest interval runs", async () => {
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const { definition, seen } = hourly("catchup-off");
    assert.equal(definition.catchup, false);
    const s = startScheduler(h.store, [definition], { clock });

    await settle(s);
    assert.deepEqual(seen, ["09:00-10:00"]);

    clock.set("2024-01-01T15:30:00Z");
    await settle(s);
    assert.deepEqual(seen, ["09:00-10:00", "14:00-15:00"]);
    const runs = await runsOf(h.store, "catchup-off");
    assert.deepEqual(
      runs.map((r) => [r.runType, r.state]),
      [
        ["scheduled", "success"],
        ["scheduled", "success"],
      ],
    );
    await s.scheduler.stop();
  });

  test("when on, every missed interval runs, one at a time, oldest first", async () => {
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const { definition, seen, most } = hourly("catchup-on", { catchup: true });
    const s = startScheduler(h.store, [definition], { clock });

    await settle(s);
    clock.set("2024-01-01T15:30:00Z");
    await settle(s);

    assert.deepEqual(seen, [
      "09:00-10:00",
      "10:00-11:00",
      "11:00-12:00",
      "12:00-13:00",
      "13:00-14:00",
      "14:00-15:00",
    ]);
    assert.equal(most(), 1, "maxActiveRuns 1: never two runs at once");
    await s.scheduler.stop();
  });

  test("a wake that comes early or twice creates nothing more (xen-orchestra#4625)", async () => {
    const clock = pinnedClock("2024-01-01T10:59:59.990Z");
    const { definition, seen } = hourly("early-wake");
    const s = startScheduler(h.store, [definition], { clock });
    await settle(s);
    await settle(s);
    clock.set("2024-01-01T11:00:00Z");
    await Promise.all([s.scheduler.tick(), s.scheduler.tick()]);
    await s.scheduler.idle();
    assert.deepEqual(seen, ["09:00-10:00", "10:00-11:00"]);
    await s.scheduler.stop();
  });

  test("two schedulers on one store create and run each interval once", async () => {
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const { definition, seen } = hourly("twin", { catchup: true });
    const a = startScheduler(h.store, [definition], { clock });
    const b = startScheduler(h.store, [definition], { clock });
    await Promise.all([settle(a), settle(b)]);
    clock.set("2024-01-01T14:30:00Z");
    await Promise.all([settle(a), settle(b)]);
    await Promise.all([a.scheduler.idle(), b.scheduler.idle()]);

    assert.deepEqual(seen, [
      "09:00-10:00",
      "10:00-11:00",
      "11:00-12:00",
      "12:00-13:00",
      "13:00-14:00",
    ]);
    const runs = await runsOf(h.store, "twin");
    assert.equal(runs.length, 5);
    await Promise.all([a.scheduler.stop(), b.scheduler.stop()]);
  });
});

describe("schedule edits", () => {
  test("an edit seen after its first fire time still leaves no gap after the last interval", async () => {
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const before = hourly("edited", { schedule: "0 */2 * * *" });
    const s = startScheduler(h.store, [before.definition], {
      clock,
      maxTickGapMs: 3 * 60 * 60_000,
    });
    await settle(s);
    clock.set("2024-01-01T11:59:00Z");
    await settle(s);

    // Hourly from now on, but the scheduler learns it only after the new
    // schedule's 11:00 fire time went by.
    const after = hourly("edited");
    s.setDags([after.definition]);
    clock.set("2024-01-01T12:30:00Z");
    await settle(s);

    assert.deepEqual(before.seen, ["08:00-10:00"]);
    assert.deepEqual(after.seen, ["10:00-11:00", "11:00-12:00"]);
    await s.scheduler.stop();
  });
});

describe("backfill", () => {
  test("creates a run per interval of the range, never repeating a scheduled one", async () => {
    const clock = pinnedClock("2024-01-02T00:30:00Z");
    const { definition, seen } = hourly("backfilled", {
      schedule: "0 */6 * * *",
    });
    const s = startScheduler(h.store, [definition], { clock });
    await settle(s); // the scheduled run of [18:00, 00:00)

    const schedule = new CronSchedule("0 */6 * * *", "UTC");
    const intervals = backfillIntervals(
      schedule,
      new Date("2024-01-01T00:00:00Z"),
      new Date("2024-01-02T00:00:00Z"),
    );
    assert.deepEqual(intervals.map(span), [
      "00:00-06:00",
      "06:00-12:00",
      "12:00-18:00",
      "18:00-00:00",
    ]);
    const first = await createBackfill(
      h.store.pool,
      "backfilled",
      intervals,
      clock.now(),
    );
    assert.equal(first.created.length, 3);
    assert.deepEqual(
      first.existing.map((r) => r.runType),
      ["scheduled"],
    );

    const again = await createBackfill(
      h.store.pool,
      "backfilled",
      intervals,
      clock.now(),
    );
    assert.equal(again.created.length, 0);
    assert.equal(again.existing.length, 4);

    await settle(s);
    assert.deepEqual(seen, [
      "18:00-00:00",
      "00:00-06:00",
      "06:00-12:00",
      "12:00-18:00",
    ]);
    const runs = await runsOf(h.store, "backfilled");
    assert.ok(runs.every((r) => r.state === "success"));
    await s.scheduler.stop();
  });
});

describe("overlap", () => {
  async function busyDag(id: string, overlap: "queue" | "skip") {
    const held = gate();
    let running = 0;
    let most = 0;
    const definition = dag(id, { schedule: "0 * * * *", overlap }, (d) => {
      d.task("slow", async () => {
        running += 1;
        most = Math.max(most, running);
        await held.wait;
        running -= 1;
      });
    });
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const s = startScheduler(h.store, [definition], { clock });
    await s.scheduler.tick();
    clock.set("2024-01-01T11:30:00Z");
    await s.scheduler.tick();
    const during = await runsOf(h.store, id);
    held.open();
    await s.scheduler.idle();
    await settle(s);
    const afterwards = await runsOf(h.store, id);
    await s.scheduler.stop();
    return { during, afterwards, most };
  }

  test('a tick that finds a run still going queues the next ("queue")', async () => {
    const { during, afterwards, most } = await busyDag(
      "overlap-queue",
      "queue",
    );
    assert.deepEqual(
      during.map((r) => [span(r), r.state]),
      [
        ["09:00-10:00", "running"],
        ["10:00-11:00", "queued"],
      ],
    );
    assert.deepEqual(
      afterwards.map((r) => r.state),
      ["success", "success"],
    );
    assert.equal(most, 1);
  });

  test('…or records it as skipped ("skip")', async () => {
    const { during, afterwards } = await busyDag("overlap-skip", "skip");
    assert.deepEqual(
      during.map((r) => r.state),
      ["running", "skipped"],
    );
    assert.deepEqual(
      afterwards.map((r) => r.state),
      ["success", "skipped"],
    );
  });

  test("a manual run neither waits for nor takes the place of a scheduled one (apache/airflow#41208)", async () => {
    const held = gate();
    const definition = dag("manual-too", { schedule: "0 * * * *" }, (d) => {
      d.task("slow", () => held.wait);
    });
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const s = startScheduler(h.store, [definition], { clock });
    await s.scheduler.tick(); // scheduled [09, 10) is running
    const manual = await triggerRun(
      h.store.pool,
      "manual-too",
      new CronSchedule("0 * * * *"),
      clock.now(),
    );
    assert.equal(span(manual), "09:00-10:00");
    await s.scheduler.tick();
    const runs = await runsOf(h.store, "manual-too");
    assert.deepEqual(
      runs.map((r) => [r.runType, r.state]),
      [
        ["scheduled", "running"],
        ["manual", "running"],
      ],
    );
    held.open();
    await s.scheduler.idle();
    await s.scheduler.stop();
  });
});

describe("pause", () => {
  test("a paused DAG gets no runs; unpaused, it resumes with the latest interval", async () => {
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const { definition, seen } = hourly("pausable");
    await publishDags(h.store, [definition]);
    const s = startScheduler(h.store, [definition], { clock });
    await settle(s);

    assert.equal(await setPaused(h.store.pool, "pausable", true), true);
    clock.set("2024-01-01T13:30:00Z");
    await settle(s);
    assert.deepEqual(seen, ["09:00-10:00"]);

    await setPaused(h.store.pool, "pausable", false);
    clock.set("2024-01-01T13:30:01Z");
    await settle(s);
    assert.deepEqual(seen, ["09:00-10:00", "12:00-13:00"]);
    assert.equal(await setPaused(h.store.pool, "no-such-dag", true), false);
    await s.scheduler.stop();
  });
});

describe("notifications", () => {
  test("a failed run, then a recovery, each reach the webhook once", async () => {
    const sent: RunNotification[] = [];
    let fail = true;
    const definition = dag(
      "notifying",
      {
        schedule: "0 * * * *",
        notify: { webhook: "http://127.0.0.1:9/hook" },
      },
      (d) => {
        d.task("flaky", () => {
          if (fail) throw new Error("the warehouse is away");
        });
      },
    );
    const clock = pinnedClock("2024-01-01T10:30:00Z");
    const s = startScheduler(h.store, [definition], {
      clock,
      notifier: async (url, body) => {
        assert.equal(url, "http://127.0.0.1:9/hook");
        sent.push(body);
      },
    });
    await settle(s);
    fail = false;
    clock.set("2024-01-01T11:30:00Z");
    await settle(s);

    assert.deepEqual(
      sent.map((n) => [n.event, n.state, n.dataInterval.start]),
      [
        ["run_failed", "failed", "2024-01-01T09:00:00.000Z"],
        ["run_recovered", "success", "2024-01-01T10:00:00.000Z"],
      ],
    );
    assert.deepEqual(sent[0]!.failedTasks, [
      {
        taskId: "flaky",
        state: "failed",
        error: "the warehouse is away",
        errorCode: null,
      },
    ]);
    await s.scheduler.stop();
  });

  test("a real sync run that rejects more rows than rejectedRowsAbove is reported", async () => {
    await h.store.pool.query(`
      create table signups (id text primary key, user_id text, at timestamptz);
      insert into signups values
        ('s1', 'u1', '2024-01-01T09:10:00Z'), ('s2', null, '2024-01-01T09:20:00Z'),
        ('s3', null, '2024-01-01T09:30:00Z'), ('s4', 'u4', '2024-01-01T09:40:00Z');`);
    const emulator = await startEmulator({
      projects: [{ token: "sched-token" }],
    });
    const warehouse = postgres("sched-warehouse", { url: h.url });
    const product = mixpanel("sched-product", {
      token: "sched-token",
      apiUrl: emulator.url,
    });
    const sent: RunNotification[] = [];
    const definition = dag(
      "rejecting",
      {
        schedule: "0 * * * *",
        notify: { webhook: "http://127.0.0.1:9/x", rejectedRowsAbove: 1 },
      },
      (d) => {
        d.events("signups", {
          from: warehouse.query<{
            id: string;
            user_id: string | null;
            at: Date;
          }>`
            select id, user_id, at from signups
             where at >= ${d.interval.start} and at < ${d.interval.end}`,
          to: product,
          event: "Signed Up",
          insertId: "id",
          userId: "user_id",
          time: "at",
          rejectThreshold: { maxShare: 1 },
        });
      },
    );
    const s = startScheduler(h.store, [definition], {
      clock: pinnedClock("2024-01-01T10:00:30Z"),
      notifier: async (_url, body) => {
        sent.push(body);
      },
    });
    try {
      await settle(s);
    } finally {
      await s.scheduler.stop();
      await emulator.close();
    }
    const [run] = await runsOf(h.store, "rejecting");
    assert.equal(run!.state, "success");
    assert.deepEqual(
      sent.map((n) => [n.event, n.rejectedRows, n.threshold]),
      [["rows_rejected", 2, 1]],
    );
  });
});
