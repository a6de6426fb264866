/**
 * Sync tests against real parts: a source database and a metadata store on
 * the test PostgreSQL server, a `backflow emulator` process as Mixpanel,
 * and the runner in this process (so batch and page sizes can be tiny and
 * a run can be stopped after a given number of records). Under
 * `BACKFLOW_EXECUTOR=distributed` each `sync` is a run that a scheduler
 * hands to a real worker instead (distributed-sync.ts), with the same
 * options and summary.
 */
import pg from "pg";
import { mixpanel, postgres } from "../../core/index.ts";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import { runDag, type RunDagOptions } from "../../core/runner/run-dag.ts";
import type { RunSummary } from "../../core/runner/run-events.ts";
import { StoreRecorder } from "../../core/runner/store-recorder.ts";
import { openStore, type MetadataStore } from "../../core/store/index.ts";
import { storeSyncState } from "../../core/sync/task-state.ts";
import { startEmulatorProcess, type EmulatorProcess } from "./cli.ts";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { syncThroughWorker } from "./distributed-sync.ts";
import { testExecutor } from "./executor.ts";

export interface StoredEvent {
  event: string;
  properties: Record<string, unknown>;
}

export interface ApiRequest {
  path: string;
  status: number;
  records: number;
}

export interface Harness {
  source: TestDatabase;
  storeDb: TestDatabase;
  store: MetadataStore;
  emulator: EmulatorProcess;
  token: string;
  warehouse: ReturnType<typeof postgres>;
  product: ReturnType<typeof mixpanel>;
  /** Runs SQL on the source database. */
  exec(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** Runs SQL on the metadata store. */
  meta<R extends pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<R[]>;
  /** Runs a DAG with state, tiny batches and the given options. */
  sync(dag: DagDefinition, options?: RunDagOptions): Promise<RunSummary>;
  events(): Promise<StoredEvent[]>;
  /** API requests the emulator has answered so far. */
  requests(): Promise<ApiRequest[]>;
  close(): Promise<void>;
}

export async function startHarness(
  token = "sync-test-token",
): Promise<Harness> {
  const source = await createTestDatabase("bf_sync_src");
  const storeDb = await createTestDatabase("bf_sync_meta");
  // A worker's claim, leases and sync state share the pool with the test.
  const poolSize = testExecutor === "distributed" ? 8 : 4;
  const store = await openStore({ databaseUrl: storeDb.url, poolSize });
  const emulator = await startEmulatorProcess(["--token", token]);
  const client = new pg.Client({ connectionString: source.url });
  await client.connect();

  return {
    source,
    storeDb,
    store,
    emulator,
    token,
    warehouse: postgres("src", { url: source.url }),
    product: mixpanel("mp", { token, apiUrl: emulator.url }),
    exec: (text, values) => client.query(text, values),
    async meta(text, values) {
      return (await store.pool.query(text, values)).rows;
    },
    sync(dag, options = {}) {
      const settings: RunDagOptions = {
        pageSize: 4,
        clientOptions: {
          concurrency: 2,
          events: { maxRecords: 3 },
          profiles: { maxRecords: 3 },
          retry: { baseDelayMs: 10, maxDelayMs: 50 },
        },
        ...options,
      };
      if (testExecutor === "distributed") {
        return syncThroughWorker(store, dag, settings);
      }
      return runDag(dag, {
        recorder: new StoreRecorder(store, { flushMs: 0 }),
        syncState: storeSyncState(store.sync),
        ...settings,
      });
    },
    async events() {
      return (await emulator.text("/_emulator/events"))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as StoredEvent);
    },
    async requests() {
      const all = await emulator.get<ApiRequest[]>("/_emulator/requests");
      return all.filter((r) => !r.path.startsWith("/_emulator"));
    },
    async close() {
      await client.end().catch(() => {});
      await store.close().catch(() => {});
      await emulator.stop();
      await source.drop();
      await storeDb.drop();
    },
  };
}

/** Records in requests made after the first `before` ones. */
export function recordsSince(
  requests: readonly ApiRequest[],
  before: number,
  path?: string,
): number {
  return requests
    .slice(before)
    .filter((r) => path === undefined || r.path === path)
    .reduce((sum, r) => sum + r.records, 0);
}
