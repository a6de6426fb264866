/**
 * The long random-kill soak: round after round, `backflow run`,
 * `backflow scheduler` and `backflow worker` are SIGKILLed at random
 * instants many times, then the work is finished; after every round
 * Mixpanel must hold exactly one clean run's records and the finishing
 * run must be recorded honestly.
 * Not part of `npm test` (a few minutes); it stops by itself.
 *
 *   node --import tsx test/soak/random-kills.ts [rounds=10] [kills=8]
 */
import { allClean, openHarness, resultTable } from "../faults/fault-suite.ts";
import type { CaseResult } from "../faults/fault-run.ts";
import {
  runnerKillCase,
  schedulerKillCase,
  workerKillCase,
} from "../faults/kill-cases.ts";

const rounds = Number(process.argv[2] ?? 10);
const kills = Number(process.argv[3] ?? 8);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(kills)) {
  throw new Error("usage: random-kills.ts [rounds ≥ 1] [kills per round]");
}

const harness = await openHarness();
const results: CaseResult[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const run of [runnerKillCase, schedulerKillCase, workerKillCase]) {
      const result = await run(harness, kills);
      results.push({ ...result, fault: `${round}: ${result.fault}` });
      process.stderr.write(`  round ${round}: ${result.fault}\n`);
    }
  }
} finally {
  await harness.close();
}
process.stdout.write(resultTable(results) + "\n");
process.exitCode = allClean(results) ? 0 : 1;
