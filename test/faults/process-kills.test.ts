/**
 * SIGKILL of the runner and of the scheduler at random instants, over and
 * over; then the work is finished and Mixpanel must hold exactly one clean
 * run's records (`test/soak/random-kills.ts` does the same for longer).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { projectRoot } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { isClean } from "./fault-check.ts";
import { FaultEmulator } from "./fault-emulator.ts";
import type { CaseResult } from "./fault-run.ts";
import { fillWarehouse, sourceState } from "./fault-warehouse.ts";
import {
  runnerKillCase,
  schedulerKillCase,
  workerKillCase,
  type KillSuite,
} from "./kill-cases.ts";

function assertClean(t: { diagnostic(m: string): void }, r: CaseResult) {
  t.diagnostic(JSON.stringify(r));
  assert.deepEqual(r.dishonest, [], "the finishing run recorded honestly");
  assert.ok(isClean(r.tally), `clean: ${JSON.stringify(r.tally)}`);
  assert.ok(r.completed >= 1, "a run completed");
}

const workerCommand = existsSync(join(projectRoot, "cli/commands/worker.ts"));

describe("SIGKILL at random instants", () => {
  let warehouse: TestDatabase;
  let suite: KillSuite;

  before(async () => {
    warehouse = await createTestDatabase("bf_kills_wh");
    await fillWarehouse(warehouse.url);
    suite = {
      emulator: await FaultEmulator.start(),
      warehouseUrl: warehouse.url,
      source: await sourceState(warehouse.url),
      newStore: () => createTestDatabase("bf_kills_store"),
    };
  });
  after(async () => {
    await suite?.emulator.stop();
    await warehouse?.drop();
  });

  test("backflow run killed four times, then run to the end", async (t) => {
    const result = await runnerKillCase(suite, 4);
    assert.ok(result.injected >= 2, `kills landed: ${result.injected}`);
    assertClean(t, result);
  });

  test("backflow scheduler killed three times during a triggered run", async (t) => {
    const result = await schedulerKillCase(suite, 3);
    assert.ok(result.injected >= 1, `kills landed: ${result.injected}`);
    assertClean(t, result);
  });

  test(
    "backflow worker killed three times during a distributed run",
    { skip: workerCommand ? false : "no `backflow worker` command" },
    async (t) => {
      const result = await workerKillCase(suite, 3);
      assert.ok(result.injected >= 1, `kills landed: ${result.injected}`);
      assertClean(t, result);
    },
  );
});
