/**
 * Mixpanel misbehaving under a real `backflow run`: 429 storms with and
 * without Retry-After, a burst of 5xx, connections reset before and after
 * a batch is applied, answers cut off, 30-second stalls, retries running
 * out, and the emulator killed and restarted mid-run. Every case ends with
 * Mixpanel holding what one clean run leaves there and with honest run
 * records. `test/bench/fault-suite.ts` prints the same cases as a table.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { isClean } from "./fault-check.ts";
import { FaultEmulator } from "./fault-emulator.ts";
import type { CaseResult } from "./fault-run.ts";
import { fillWarehouse, sourceState } from "./fault-warehouse.ts";
import {
  exhaustedCase,
  MIXPANEL_PLANS,
  planCase,
  restartCase,
  stallCase,
  type MixpanelSuite,
} from "./mixpanel-cases.ts";

function assertClean(result: CaseResult) {
  assert.deepEqual(result.dishonest, [], "every run recorded honestly");
  assert.ok(
    isClean(result.tally),
    `Mixpanel holds one clean run's records: ${JSON.stringify(result.tally)}`,
  );
  assert.ok(result.completed >= 1, "a run completed");
}

describe("Mixpanel faults during backflow run", () => {
  let warehouse: TestDatabase;
  let suite: MixpanelSuite;

  before(async () => {
    warehouse = await createTestDatabase("bf_faults_wh");
    await fillWarehouse(warehouse.url);
    suite = {
      emulator: await FaultEmulator.start(),
      warehouseUrl: warehouse.url,
      source: await sourceState(warehouse.url),
      newStore: () => createTestDatabase("bf_faults_store"),
    };
  });
  after(async () => {
    await suite?.emulator.stop();
    await warehouse?.drop();
  });

  for (const { fault, plan, env } of MIXPANEL_PLANS) {
    test(`${fault}: nothing lost, nothing twice`, async () => {
      const result = await planCase(suite, fault, plan, env);
      assert.ok(result.injected > 0, "faults were injected");
      assertClean(result);
    });
  }

  test("retries running out fail the run, and the rerun completes it", async () => {
    const result = await exhaustedCase(suite);
    assert.ok(result.injected >= 3);
    assertClean(result);
  });

  test("30-second stalls are cut by the request timeout and resent", async () => {
    const result = await stallCase(suite);
    assert.equal(result.injected, 3);
    assertClean(result);
  });

  test("the emulator killed and restarted on its port mid-run", async () => {
    const result = await restartCase(suite);
    assert.equal(result.injected, 1, "the restart landed mid-run");
    assertClean(result);
  });
});
