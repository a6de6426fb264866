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
import { spawn } from "node:child_process";
import { test } from "node:test";

import { projectRoot } from "../helpers/cli.ts";

// The suites that run DAGs through the harness; the others (mirror
// options, prefix tracker, profile hash) run nothing that an executor
// could change.
const SUITES = [
  "test/sync/cursor-sync.test.ts",
  "test/sync/interval-sync.test.ts",
  "test/sync/profile-sync.test.ts",
];

test("the sync suites pass with BACKFLOW_EXECUTOR=distributed", async (t) => {
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
  assert.ok(count("pass") >= 24, `only ${count("pass")} tests ran`);
});
