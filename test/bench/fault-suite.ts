/**
 * The fault suite as a table: every fault case of test/faults/ run once
 * against real processes (backflow run, scheduler, emulator, PostgreSQL),
 * with the faults injected, the runs that completed, the rows lost and
 * duplicated after de-duplication (both must be 0) and whether every run's
 * recorded state was honest.
 *
 *   node --import tsx test/bench/fault-suite.ts
 *
 * Uses BACKFLOW_TEST_DATABASE_URL when set, else starts an embedded
 * PostgreSQL. Exits 1 if any case lost, duplicated or misreported.
 */
import { enospcCase, enospcSkipReason } from "../faults/disk-cases.ts";
import { allClean, openHarness, resultTable } from "../faults/fault-suite.ts";
import type { CaseResult } from "../faults/fault-run.ts";
import {
  runnerKillCase,
  schedulerKillCase,
  workerKillCase,
} from "../faults/kill-cases.ts";
import {
  exhaustedCase,
  MIXPANEL_PLANS,
  planCase,
  restartCase,
  stallCase,
} from "../faults/mixpanel-cases.ts";
import {
  statementTimeoutCase,
  storeRestartCase,
  terminateCase,
  warehouseRestartCase,
} from "../faults/postgres-cases.ts";
import { fillWarehouse, sourceState } from "../faults/fault-warehouse.ts";

const harness = await openHarness();
const results: CaseResult[] = [];
const notes: string[] = [];
const record = (result: CaseResult) => {
  results.push(result);
  process.stderr.write(`  done: ${result.fault}\n`);
};

try {
  for (const { fault, plan, env } of MIXPANEL_PLANS) {
    record(await planCase(harness, fault, plan, env));
  }
  record(await exhaustedCase(harness));
  record(await stallCase(harness));
  record(await restartCase(harness));

  const restartableWarehouse =
    await harness.restartable.createDatabase("suite_wh");
  await fillWarehouse(restartableWarehouse);
  record(
    await warehouseRestartCase(
      harness,
      {
        url: restartableWarehouse,
        restart: (ms) => harness.restartable.restart(ms),
      },
      await sourceState(restartableWarehouse),
    ),
  );
  record(await statementTimeoutCase(harness));
  record(await terminateCase(harness));
  record(await storeRestartCase(harness, harness.restartable));

  record(await runnerKillCase(harness, 6));
  record(await schedulerKillCase(harness, 4));
  record(await workerKillCase(harness, 4));

  const skip = await enospcSkipReason();
  if (skip) notes.push(`ENOSPC: skipped, ${skip}`);
  else record((await enospcCase(harness.warehouseUrl, harness.source)).result);
} finally {
  await harness.close();
}

const records = results[0]?.tally.expected ?? 0;
process.stdout.write(
  `fault suite: ${results.length} cases, one clean run = ${records} ` +
    `records (2000 events, 200 user and 20 group profiles)\n\n` +
    resultTable(results) +
    "\n" +
    notes.map((n) => `\nnote: ${n}`).join("") +
    "\n",
);
for (const r of results) {
  for (const d of r.dishonest) process.stdout.write(`  ${r.fault}: ${d}\n`);
}
process.exitCode = allClean(results) ? 0 : 1;
