import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  openStore,
  type MetadataStore,
} from "../../core/store/metadata-store.ts";
import { StoreError } from "../../core/store/store-error.ts";
import { registerSecret } from "../../core/util/redact.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let store: MetadataStore;

const hour = (h: number) => new Date(Date.UTC(2024, 0, 1, h));

before(async () => {
  db = await createTestDatabase("bf_store_runs");
  store = await openStore({ databaseUrl: db.url });
});

after(async () => {
  await store.close();
  await db.drop();
});

describe("runs", () => {
  test("the store opened on the given URL, password masked", () => {
    assert.equal(store.location.kind, "external");
    assert.doesNotMatch(store.location.url, /:postgres@/);
  });

  test("creating a scheduled run twice returns the first", async () => {
    const input = {
      dagId: "shop",
      runType: "scheduled" as const,
      logicalDate: hour(0),
      dataInterval: { start: hour(0), end: hour(1) },
    };
    const first = await store.runs.createRun(input);
    const second = await store.runs.createRun({
      ...input,
      runType: "backfill",
    });
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.run.id, first.run.id);
    assert.equal(first.run.state, "queued");
    assert.deepEqual(first.run.dataIntervalStart, hour(0));
    assert.equal(typeof first.run.id, "number");
  });

  test("manual runs of one interval are distinct", async () => {
    const input = {
      dagId: "shop",
      runType: "manual" as const,
      logicalDate: hour(5),
      dataInterval: { start: hour(4), end: hour(5) },
    };
    const a = await store.runs.createRun(input);
    const b = await store.runs.createRun(input);
    assert.notEqual(a.run.id, b.run.id);
    assert.ok(a.created && b.created);
  });

  test("a scheduled run without an interval is refused", async () => {
    await assert.rejects(
      store.runs.createRun({
        dagId: "shop",
        runType: "scheduled",
        logicalDate: hour(0),
      }),
      StoreError,
    );
  });

  test("a run goes from queued to running to finished", async () => {
    const { run } = await store.runs.createRun({
      dagId: "life",
      runType: "manual",
      logicalDate: hour(2),
      conf: { full: true },
    });
    const running = await store.runs.startRun(run.id);
    assert.equal(running.state, "running");
    assert.ok(running.startedAt instanceof Date);
    const done = await store.runs.finishRun(run.id, "success");
    assert.equal(done.state, "success");
    assert.ok(done.endedAt instanceof Date);
    assert.deepEqual(done.conf, { full: true });
    await assert.rejects(store.runs.startRun(run.id), /no queued or running/);
  });

  test("listRuns filters by DAG and state, newest first", async () => {
    const ids: number[] = [];
    for (const h of [10, 11, 12]) {
      const { run } = await store.runs.createRun({
        dagId: "listed",
        runType: "manual",
        logicalDate: hour(h),
      });
      ids.push(run.id);
    }
    await store.runs.finishRun(ids[1] ?? 0, "failed");

    const all = await store.runs.listRuns({ dagId: "listed" });
    assert.deepEqual(
      all.map((r) => r.id),
      [...ids].reverse(),
    );
    const failed = await store.runs.listRuns({
      dagId: "listed",
      states: ["failed"],
    });
    assert.deepEqual(
      failed.map((r) => r.id),
      [ids[1]],
    );
    const older = await store.runs.listRuns({
      dagId: "listed",
      beforeId: ids[2] ?? 0,
      limit: 1,
    });
    assert.deepEqual(
      older.map((r) => r.id),
      [ids[1]],
    );
  });
});

describe("task instances", () => {
  let runId: number;

  before(async () => {
    const { run } = await store.runs.createRun({
      dagId: "tasks",
      runType: "manual",
      logicalDate: hour(0),
      state: "running",
    });
    runId = run.id;
    await store.runs.queueTasks(runId, ["users", "orders", "cleanup"]);
  });

  test("queued tasks show before they start", async () => {
    const tasks = await store.runs.listTasks(runId);
    assert.deepEqual(
      tasks.map((t) => [t.taskId, t.state, t.tryNumber]).sort(),
      [
        ["cleanup", "queued", 0],
        ["orders", "queued", 0],
        ["users", "queued", 0],
      ],
    );
  });

  test("a try counts rows and keeps its outcome", async () => {
    const started = await store.runs.startTask({
      runId,
      taskId: "users",
      worker: "host:1",
      maxTries: 3,
    });
    assert.equal(started.state, "running");
    assert.equal(started.tryNumber, 1);
    assert.equal(started.maxTries, 3);

    await store.runs.updateTaskCounters(runId, "users", { rowsRead: 5000 });
    const counters = await store.runs.updateTaskCounters(runId, "users", {
      rowsRead: 20,
      recordsSent: 5010,
      recordsRejected: 10,
    });
    assert.deepEqual(counters, {
      rowsRead: 5020,
      recordsSent: 5010,
      recordsRejected: 10,
    });

    const done = await store.runs.finishTask({
      runId,
      taskId: "users",
      state: "success",
    });
    assert.equal(done.state, "success");
    assert.equal(done.rowsRead, 5020);
    assert.ok(done.endedAt instanceof Date);
  });

  test("a task already running can not start twice", async () => {
    await store.runs.startTask({ runId, taskId: "orders" });
    await assert.rejects(
      store.runs.startTask({ runId, taskId: "orders" }),
      /"orders" of run \d+ is already running/,
    );
  });

  test("a retry is a new try with fresh counters; tries are kept", async () => {
    await store.runs.updateTaskCounters(runId, "orders", { rowsRead: 7 });
    const secret = "s3cr3t-token-value";
    registerSecret(secret);
    const failed = await store.runs.finishTask({
      runId,
      taskId: "orders",
      state: "up_for_retry",
      error: Object.assign(new Error(`HTTP 401 with ${secret}`), {
        code: "MIXPANEL_AUTH",
      }),
      nextTryAt: hour(3),
    });
    assert.equal(failed.error, "HTTP 401 with [redacted]");
    assert.equal(failed.errorCode, "MIXPANEL_AUTH");
    assert.deepEqual(failed.nextTryAt, hour(3));

    const second = await store.runs.startTask({ runId, taskId: "orders" });
    assert.equal(second.tryNumber, 2);
    assert.equal(second.rowsRead, 0);
    assert.equal(second.error, null);
    await store.runs.finishTask({ runId, taskId: "orders", state: "success" });

    const tries = await store.pool.query(
      `select try_number, state, rows_read from task_tries
        where run_id = $1 and task_id = 'orders' order by try_number`,
      [runId],
    );
    assert.deepEqual(tries.rows, [
      { try_number: 1, state: "up_for_retry", rows_read: 7 },
      { try_number: 2, state: "success", rows_read: 0 },
    ]);
  });

  test("a task that never started can be marked upstream_failed", async () => {
    const task = await store.runs.finishTask({
      runId,
      taskId: "cleanup",
      state: "upstream_failed",
      error: 'upstream task "orders" failed',
    });
    assert.equal(task.state, "upstream_failed");
    assert.equal(task.tryNumber, 0);
  });

  test("counters of an unknown task are an error naming it", async () => {
    await assert.rejects(
      store.runs.updateTaskCounters(runId, "nope", { rowsRead: 1 }),
      /no task "nope" in run/,
    );
  });
});

describe("run log and rejected rows", () => {
  let runId: number;

  before(async () => {
    const { run } = await store.runs.createRun({
      dagId: "logged",
      runType: "manual",
      logicalDate: hour(0),
    });
    runId = run.id;
  });

  test("log entries come back in order, with secrets masked", async () => {
    registerSecret("api-secret-123456");
    await store.log.append([
      { runId, level: "info", event: "run.started", fields: { tasks: 2 } },
      {
        runId,
        taskId: "orders",
        tryNumber: 1,
        level: "error",
        event: "task.failed",
        fields: { error: "bad key api-secret-123456", big: 2n ** 64n },
      },
    ]);
    const entries = await store.log.list(runId);
    assert.deepEqual(
      entries.map((e) => [e.taskId, e.level, e.event, e.fields]),
      [
        [null, "info", "run.started", { tasks: 2 }],
        [
          "orders",
          "error",
          "task.failed",
          { error: "bad key [redacted]", big: "18446744073709551616" },
        ],
      ],
    );
    const later = await store.log.list(runId, {
      afterId: entries[0]?.id ?? 0,
    });
    assert.equal(later.length, 1);
  });

  test("rejected rows keep task, row key, field and reason", async () => {
    await store.rejects.add([
      {
        runId,
        taskId: "orders",
        source: "mapping",
        rowKey: "42",
        field: "created_at",
        reason: "time is infinity",
        excerpt: { created_at: "infinity" },
      },
      { runId, taskId: "users", source: "mixpanel", reason: "bad $email" },
    ]);
    const rows = await store.rejects.list(runId, { taskId: "orders" });
    assert.equal(rows.length, 1);
    assert.deepEqual(
      {
        rowKey: rows[0]?.rowKey,
        field: rows[0]?.field,
        reason: rows[0]?.reason,
        excerpt: rows[0]?.excerpt,
      },
      {
        rowKey: "42",
        field: "created_at",
        reason: "time is infinity",
        excerpt: { created_at: "infinity" },
      },
    );
    assert.deepEqual(await store.rejects.countByTask(runId), {
      orders: 1,
      users: 1,
    });
  });
});
