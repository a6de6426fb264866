/**
 * The scheduler's in-process suites once more, under the distributed
 * executor: `BACKFLOW_EXECUTOR=distributed` makes their harness hand every
 * task to a real worker (graphile-worker on the same store) beside each
 * scheduler (test/helpers/executor.ts), so the same assertions on runs,
 * retries and backoff, timeouts, heartbeats, caps, pause, cancel,
 * notifications, real syncs and DST hold for both executors. The suite's own run covers
 * the local executor.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";

import { projectRoot } from "../helpers/cli.ts";

const SUITES = [
  "test/scheduler/scheduler-runs.test.ts",
  "test/scheduler/scheduler-tasks.test.ts",
  "test/scheduler/scheduler-dst.test.ts",
  "test/scheduler/scheduler-cancel.test.ts",
];

test("the scheduler suites pass with BACKFLOW_EXECUTOR=distributed", async (t) => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BACKFLOW_EXECUTOR: "distributed",
  };
  // Set for this file's own process by the runner; the nested run is a
  // runner of its own.
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=tap",
      "--test-concurrency=1",
      "--test-timeout=60000",
      ...SUITES,
    ],
    { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.on("close", resolve),
  );

  const count = (name: string) =>
    Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(output)?.[1] ?? NaN);
  t.diagnostic(
    `distributed: ${count("pass")} passed, ${count("fail")} failed, ` +
      `${count("skipped")} skipped`,
  );
  const failures = output
    .split("\n")
    .filter((line) => /^\s*not ok /.test(line))
    .join("\n");
  assert.equal(code, 0, `${failures}\n\n${output.slice(-4000)}`);
  assert.equal(count("fail"), 0);
  assert.ok(count("pass") >= 25, `only ${count("pass")} tests ran`);
});
