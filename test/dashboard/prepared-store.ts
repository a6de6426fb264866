/**
 * A metadata store in a real PostgreSQL, prepared the way a scheduler
 * leaves it: published DAGs, an import error, and runs of every outcome
 * (one succeeded, one failed, one running with rejections, a log and a
 * retried try).
 */
import type { SerializedDag } from "../../core/compiler/serialize-dag.ts";
import { BackflowError } from "../../core/errors.ts";
import { openStore, type MetadataStore } from "../../core/store/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

export const PIPELINES = "/srv/shop/pipelines";

const task = (id: string, dependsOn: string[], extra = {}) => ({
  id,
  kind: "events" as const,
  dependsOn,
  writes: false,
  source: "warehouse",
  destination: "product",
  ...extra,
});

function serialized(
  id: string,
  options: Partial<SerializedDag> = {},
): SerializedDag {
  const tasks = options.tasks ?? [task("sync", [])];
  return {
    version: 1,
    id,
    file: `${id}.ts`,
    sourceHash: `hash-${id}`,
    schedule: null,
    timezone: "UTC",
    catchup: false,
    maxActiveRuns: 1,
    startDate: null,
    description: null,
    tags: [],
    tasks,
    edges: tasks.flatMap((t) =>
      t.dependsOn.map((from) => ({ from, to: t.id })),
    ),
    levels: tasks.map((t) => [t.id]),
    connections: [],
    ...options,
  };
}

/** customers → orders (a full read) → page_views (a cursor read). */
export const SHOP = serialized("shop", {
  schedule: "0 * * * *",
  timezone: "Europe/Berlin",
  tasks: [
    task("customers", []),
    task("orders", ["customers"], {
      query: { text: "select * from orders", parameters: [] },
    }),
    task("page_views", ["orders"], {
      query: { text: "select * from page_views", parameters: [] },
      incremental: { cursor: "viewed_at", lookbackMs: 0 },
    }),
  ],
});

export interface PreparedStore {
  readonly db: TestDatabase;
  readonly store: MetadataStore;
  /** Run ids: succeeded, failed, running. */
  readonly runs: { ok: number; failed: number; running: number };
  close(): Promise<void>;
}

async function finishedRun(
  store: MetadataStore,
  counts: Record<string, number>,
  fail?: string,
): Promise<number> {
  const { run } = await store.runs.createRun({
    dagId: "shop",
    runType: "manual",
    logicalDate: new Date(),
    state: "running",
  });
  await store.runs.queueTasks(
    run.id,
    SHOP.tasks.map((t) => t.id),
  );
  let broken = false;
  for (const t of SHOP.tasks) {
    if (broken) {
      await store.runs.finishTask({
        runId: run.id,
        taskId: t.id,
        state: "upstream_failed",
      });
      continue;
    }
    await store.runs.startTask({ runId: run.id, taskId: t.id, worker: "w:1" });
    await store.runs.updateTaskCounters(run.id, t.id, {
      rowsRead: counts[t.id] ?? 0,
      recordsSent: counts[t.id] ?? 0,
    });
    broken = t.id === fail;
    await store.runs.finishTask({
      runId: run.id,
      taskId: t.id,
      state: broken ? "failed" : "success",
      ...(broken
        ? {
            error: new BackflowError(
              "MIXPANEL_AUTH",
              "Mixpanel refused the project token (401)",
            ),
          }
        : {}),
    });
  }
  await store.runs.finishRun(run.id, fail ? "failed" : "success");
  return run.id;
}

async function runningRun(store: MetadataStore): Promise<number> {
  const { run } = await store.runs.createRun({
    dagId: "shop",
    runType: "scheduled",
    logicalDate: new Date("2024-05-01T10:00:00Z"),
    dataInterval: {
      start: new Date("2024-05-01T09:00:00Z"),
      end: new Date("2024-05-01T10:00:00Z"),
    },
    state: "running",
  });
  const id = run.id;
  await store.runs.queueTasks(
    id,
    SHOP.tasks.map((t) => t.id),
  );
  await store.runs.startTask({ runId: id, taskId: "customers", worker: "w:1" });
  await store.runs.updateTaskCounters(id, "customers", {
    rowsRead: 1204,
    recordsSent: 1204,
  });
  await store.runs.finishTask({
    runId: id,
    taskId: "customers",
    state: "success",
  });

  // orders: a first try that ran out of luck, then the try now running.
  await store.runs.startTask({ runId: id, taskId: "orders", worker: "w:1" });
  await store.runs.finishTask({
    runId: id,
    taskId: "orders",
    state: "up_for_retry",
    error: new Error("Mixpanel answered 503 three times"),
  });
  await store.runs.startTask({
    runId: id,
    taskId: "orders",
    worker: "host-b:4242",
    maxTries: 3,
  });
  await store.runs.updateTaskCounters(id, "orders", {
    rowsRead: 12_000,
    recordsSent: 11_990,
    recordsRejected: 10,
  });
  // Times as a real run spreads them: the run began 95 s ago, customers
  // took 7 s, the first try of orders 60 s, the try now running 10 s.
  for (const sql of [
    `update dag_runs set started_at = now() - interval '95 seconds'
      where id = $1`,
    `update task_instances
        set started_at = now() - interval '95 seconds',
            ended_at = now() - interval '88 seconds'
      where run_id = $1 and task_id = 'customers'`,
    `update task_tries
        set started_at = now() - interval '87 seconds',
            ended_at = now() - interval '27 seconds'
      where run_id = $1 and task_id = 'orders'`,
    `update task_instances set started_at = now() - interval '10 seconds'
      where run_id = $1 and task_id = 'orders'`,
  ]) {
    await store.db.rows("backdating the running run", sql, [id]);
  }
  await store.rejects.add([
    {
      runId: id,
      taskId: "orders",
      tryNumber: 2,
      source: "mapping",
      rowKey: "order:17",
      field: "user_id",
      reason: "the user id is NULL",
      excerpt: { order_id: 17, user_id: null },
    },
    {
      runId: id,
      taskId: "orders",
      tryNumber: 2,
      source: "mixpanel",
      rowKey: "order:42",
      field: "time",
      reason: "event time is more than 5 days in the future",
    },
  ]);
  await store.log.append([
    {
      runId: id,
      taskId: "orders",
      tryNumber: 2,
      level: "info",
      event: "task_started",
      fields: { worker: "host-b:4242" },
    },
    {
      runId: id,
      taskId: "orders",
      tryNumber: 2,
      level: "warn",
      event: "rows_rejected",
      fields: { count: 2 },
    },
    {
      runId: id,
      taskId: "orders",
      tryNumber: 2,
      level: "info",
      event: "batch_sent",
      fields: { records: 2000 },
    },
  ]);
  return id;
}

export async function prepareStore(): Promise<PreparedStore> {
  const db = await createTestDatabase("bf_dash");
  const store = await openStore({ databaseUrl: db.url });
  await store.dags.publish({
    pipelinesDir: PIPELINES,
    dags: [
      SHOP,
      serialized("pagila", { schedule: "@daily" }),
      serialized("adhoc"),
    ],
    importErrors: [
      {
        file: "broken.ts",
        message:
          "broken.ts:3:7 Type 'string' is not assignable to type 'number'.",
        sourceHash: "hash-broken",
        diagnostics: [],
      },
    ],
  });
  await store.db.rows(
    "pausing",
    `update dags set is_paused = true where dag_id = 'pagila'`,
  );

  const ok = await finishedRun(store, {
    customers: 1000,
    orders: 20_000,
    page_views: 300,
  });
  const failed = await finishedRun(
    store,
    { customers: 1000, orders: 5 },
    "orders",
  );
  const running = await runningRun(store);
  return {
    db,
    store,
    runs: { ok, failed, running },
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
