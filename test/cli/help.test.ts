import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);

test("backflow --help lists the program and exits 0", async () => {
  const { stdout } = await run(process.execPath, ["cli/bin.js", "--help"]);
  assert.match(stdout, /Usage: backflow/);
});

test("an unknown command is a usage error with exit code 2", async () => {
  await assert.rejects(
    run(process.execPath, ["cli/bin.js", "no-such-command"]),
    (error: { code?: number }) => error.code === 2,
  );
});
