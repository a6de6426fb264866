/**
 * The scheduler's in-process suites once more, under the distributed
 * executor: `BACKFLOW_EXECUTOR=distributed` makes their harness hand every
 * task to a real worker (graphile-worker on the same store) beside each
 * scheduler (test/helpers/executor.ts), so the same assertions on runs,
 * retries and backoff, timeouts, heartbeats, caps, pause, cancel,
 * notifications, real syncs and DST hold for both executors. The suites'
 * own run covers the local executor.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { runSuitesDistributed } from "../helpers/distributed-suites.ts";

const SUITES = [
  "test/scheduler/scheduler-runs.test.ts",
  "test/scheduler/scheduler-tasks.test.ts",
  "test/scheduler/scheduler-dst.test.ts",
  "test/scheduler/scheduler-cancel.test.ts",
];

test("the scheduler suites pass with BACKFLOW_EXECUTOR=distributed", async (t) => {
  const { code, count, failures } = await runSuitesDistributed(SUITES);

  t.diagnostic(
    `distributed: ${count("pass")} passed, ${count("fail")} failed, ` +
      `${count("skipped")} skipped`,
  );
  assert.equal(code, 0, failures);
  assert.equal(count("fail"), 0);
  assert.ok(count("pass") >= 25, `only ${count("pass")} tests ran`);
});
