/**
 * Retention against a real metadata store: old history goes, work still
 * to do (open rejections and their runs) and sync state stay.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ConfigError } from "../../core/errors.ts";
import { openStore, type MetadataStore } from "../../core/store/index.ts";
import {
  pruneHistory,
  retentionDaysFromEnv,
} from "../../core/store/retention.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const NOW = new Date("2025-03-01T00:00:00Z");
const OLD = new Date("2025-01-01T00:00:00Z");
const RECENT = new Date("2025-02-25T00:00:00Z");

let db: TestDatabase;
let store: MetadataStore;

before(async () => {
  db = await createTestDatabase("bf_retention");
  store = await openStore({ databaseUrl: db.url, poolSize: 2 });
});
after(async () => {
  await store?.close();
  await db?.drop();
});

async function finishedRun(endedAt: Date): Promise<number> {
  const { run } = await store.runs.createRun({
    dagId: "shop",
    runType: "manual",
    logicalDate: endedAt,
    state: "running",
  });
  await store.runs.finishRun(run.id, "success");
  await store.pool.query("update dag_runs set ended_at = $2 where id = $1", [
    run.id,
    endedAt,
  ]);
  return run.id;
}

test("old runs, log entries and cleared rejections are pruned; open work stays", async () => {
  const oldRun = await finishedRun(OLD);
  const oldOpen = await finishedRun(OLD);
  const recent = await finishedRun(RECENT);
  await store.log.append([
    { runId: recent, level: "info", event: "old", ts: OLD },
    { runId: recent, level: "info", event: "new", ts: RECENT },
  ]);
  await store.sync.rejections.record(oldOpen, "orders", [
    { source: "mapping", rowKey: "o1", field: "user_id", reason: "NULL" },
  ]);
  await store.sync.rejections.record(recent, "orders", [
    { source: "mapping", rowKey: "o2", field: "user_id", reason: "NULL" },
    { source: "mapping", rowKey: "o3", field: "user_id", reason: "NULL" },
  ]);
  await store.sync.rejections.clear(
    "shop",
    "orders",
    ["o2"],
    "delivered",
    recent,
  );
  await store.pool.query(
    "update rejected_rows set cleared_at = $1 where row_key = 'o2'",
    [OLD],
  );
  await store.sync.checkpoints.saveProgress(
    "shop",
    "orders",
    oldRun,
    { at: 1 },
    [],
  );

  const pruned = await pruneHistory(store.db, 30, NOW);
  assert.deepEqual(pruned, { runs: 1, logEntries: 1, rejections: 1 });

  const runs = await store.runs.listRuns({ dagId: "shop" });
  assert.deepEqual(runs.map((r) => r.id).sort(), [oldOpen, recent].sort());
  const log = await store.log.list(recent);
  assert.deepEqual(
    log.map((e) => e.event),
    ["new"],
  );
  const open = await store.sync.rejections.open("shop", "orders");
  assert.deepEqual(open.map((r) => r.rowKey).sort(), ["o1", "o3"]);
  assert.deepEqual(await store.sync.checkpoints.get("shop", "orders"), {
    at: 1,
  });
});

test("a retention of 0 days keeps everything", async () => {
  assert.deepEqual(await pruneHistory(store.db, 0, NOW), {
    runs: 0,
    logEntries: 0,
    rejections: 0,
  });
});

test("BACKFLOW_RETENTION_DAYS defaults to 30 and must be a whole number", () => {
  assert.equal(retentionDaysFromEnv({}), 30);
  assert.equal(retentionDaysFromEnv({ BACKFLOW_RETENTION_DAYS: "7" }), 7);
  assert.equal(retentionDaysFromEnv({ BACKFLOW_RETENTION_DAYS: "0" }), 0);
  assert.throws(
    () => retentionDaysFromEnv({ BACKFLOW_RETENTION_DAYS: "a week" }),
    ConfigError,
  );
});
