/**
 * Runs test files in a nested node test runner with
 * `BACKFLOW_EXECUTOR=distributed`, for the files that rerun a suite under
 * the distributed executor.
 */
import { spawn } from "node:child_process";

import { projectRoot } from "./cli.ts";

export interface NestedRun {
  code: number | null;
  /** A count from the TAP summary (`pass`, `fail`, `skipped`). */
  count(name: string): number;
  /** The `not ok` lines, then the end of the output. */
  failures: string;
}

export async function runSuitesDistributed(
  suites: readonly string[],
): Promise<NestedRun> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BACKFLOW_EXECUTOR: "distributed",
  };
  // Set for the calling file's process by the runner; the nested run is a
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
      ...suites,
    ],
    { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.on("close", resolve),
  );

  const notOk = output
    .split("\n")
    .filter((line) => /^\s*not ok /.test(line))
    .join("\n");
  return {
    code,
    count: (name) =>
      Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(output)?.[1] ?? NaN),
    failures: `${notOk}\n\n${output.slice(-4000)}`,
  };
}
