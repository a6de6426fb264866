/**
 * The sync suites once more, under the distributed executor:
 * `BACKFLOW_EXECUTOR=distributed` makes the sync harness run each DAG as a
 * manual run that a scheduler hands to a real worker through the job queue
 * (test/helpers/distributed-sync.ts), so the same assertions on cursors,
 * ties, late rows, intervals, rejections, profile hashes and stopped runs
 * that resume from their checkpoint hold for both executors. The suites'
 * own run covers the local executor.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { runSuitesDistributed } from "../helpers/distributed-suites.ts";

// The suites that run DAGs through the harness; the others (mirror
// options, prefix tracker, profile hash) run nothing that an executor
// could change.
const SUITES = [
  "test/sync/cursor-sync.test.ts",
  "test/sync/interval-sync.test.ts",
  "test/sync/profile-sync.test.ts",
];

test("the sync suites pass with BACKFLOW_EXECUTOR=distributed", async (t) => {
  const { code, count, failures } = await runSuitesDistributed(SUITES);

  t.diagnostic(
    `distributed: ${count("pass")} passed, ${count("fail")} failed, ` +
      `${count("skipped")} skipped`,
  );
  assert.equal(code, 0, failures);
  assert.equal(count("fail"), 0);
  assert.ok(count("pass") >= 24, `only ${count("pass")} tests ran`);
});
