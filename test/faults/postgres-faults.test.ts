/**
 * PostgreSQL failing under a real `backflow run`: the warehouse's server
 * restarted mid-read, a statement timeout, the reading connection
 * terminated, and the metadata store's server restarted mid-run. The
 * servers that restart are a dedicated embedded PostgreSQL, not the one
 * the rest of the suite shares.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { openStore } from "../../core/store/index.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  startDedicatedServer,
  type DedicatedServer,
} from "./dedicated-postgres.ts";
import { isClean } from "./fault-check.ts";
import { FaultEmulator, freePort } from "./fault-emulator.ts";
import type { CaseResult } from "./fault-run.ts";
import { fillWarehouse, sourceState } from "./fault-warehouse.ts";
import {
  statementTimeoutCase,
  storeRestartCase,
  terminateCase,
  warehouseRestartCase,
  type PostgresSuite,
} from "./postgres-cases.ts";

function assertClean(t: { diagnostic(m: string): void }, r: CaseResult) {
  t.diagnostic(JSON.stringify(r));
  assert.equal(r.injected > 0, true, "the fault landed mid-run");
  assert.deepEqual(r.dishonest, [], "every run recorded honestly");
  assert.ok(isClean(r.tally), `clean: ${JSON.stringify(r.tally)}`);
  assert.ok(r.completed >= 1, "a run completed");
}

describe("PostgreSQL faults during backflow run", () => {
  let warehouse: TestDatabase;
  let server: DedicatedServer;
  let suite: PostgresSuite;

  before(async () => {
    warehouse = await createTestDatabase("bf_pgfaults_wh");
    await fillWarehouse(warehouse.url);
    server = await startDedicatedServer();
    suite = {
      emulator: await FaultEmulator.start(),
      warehouseUrl: warehouse.url,
      source: await sourceState(warehouse.url),
      newStore: () => createTestDatabase("bf_pgfaults_store"),
    };
  });
  after(async () => {
    await suite?.emulator.stop();
    await server?.remove();
    await warehouse?.drop();
  });

  test("the warehouse restarted mid-read fails the run; the rerun resumes", async (t) => {
    const url = await server.createDatabase("faults_wh");
    await fillWarehouse(url);
    const result = await warehouseRestartCase(
      suite,
      { url, restart: (ms) => server.restart(ms) },
      await sourceState(url),
    );
    assertClean(t, result);
  });

  test("a statement timeout fails the reading task by name", async (t) => {
    assertClean(t, await statementTimeoutCase(suite));
  });

  test("a terminated reading connection fails the run; the rerun resumes", async (t) => {
    assertClean(t, await terminateCase(suite));
  });

  test("regression: a metadata store restarted mid-run crashed the run and left it recorded as running", async (t) => {
    assertClean(t, await storeRestartCase(suite, server));
  });

  test("a store write waits for a restarting server instead of failing", async () => {
    const url = await server.createDatabase("reconnect_store");
    const store = await openStore({ databaseUrl: url });
    try {
      const stopped = server.stopServer();
      await stopped;
      const restarted = new Promise((r) => setTimeout(r, 500)).then(() =>
        server.startServer(),
      );
      const { run } = await store.runs.createRun({
        dagId: "reconnect",
        runType: "manual",
        logicalDate: new Date(),
      });
      await restarted;
      assert.ok(run.id > 0, "the write landed once the server was back");
    } finally {
      await store.close();
    }
  });

  test("a store that was never reached fails at once, without waiting", async () => {
    const port = await freePort();
    const began = Date.now();
    await assert.rejects(
      openStore({
        databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/none`,
      }),
      /ECONNREFUSED/,
    );
    assert.ok(Date.now() - began < 5000, `took ${Date.now() - began} ms`);
  });
});
