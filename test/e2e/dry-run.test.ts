/**
 * `backflow run --dry-run` sends nothing and writes the exact request
 * bodies it would send, the same for the same rows (golden files).
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  projectRoot,
  runCli,
  startEmulatorProcess,
  type CliResult,
  type EmulatorProcess,
} from "../helpers/cli.ts";

const golden = join(projectRoot, "test/fixtures/golden/dry-run");

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe("backflow run --dry-run", () => {
  let source: TestDatabase;
  let emulator: EmulatorProcess;
  let out: string;
  let run: CliResult;

  before(async () => {
    source = await createTestDatabase("golden");
    emulator = await startEmulatorProcess(["--token", "golden-token"]);
    out = await mkdtemp(join(tmpdir(), "backflow-dry-"));
    run = await runCli(
      [
        "run",
        "golden",
        "--pipelines",
        "test/fixtures/pipelines/golden",
        "--dry-run",
        "--dry-run-dir",
        out,
      ],
      {
        env: {
          GOLDEN_URL: source.url,
          MIXPANEL_TOKEN: "golden-token",
          MIXPANEL_API_URL: emulator.url,
        },
      },
    );
  });

  after(async () => {
    await emulator?.stop();
    await source?.drop();
    await rm(out, { recursive: true, force: true });
  });

  test("it succeeds and says where the bodies went", () => {
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /dry run/);
    assert.ok(run.stdout.includes(out), run.stdout);
  });

  test("nothing reaches Mixpanel", async () => {
    const stats = await emulator.get<{ requests: number }>("/_emulator/stats");
    assert.equal(stats.requests, 0);
  });

  test("the bodies equal the golden files, byte for byte", async () => {
    const written = await files(out);
    assert.deepEqual(written, await files(golden));
    for (const file of written) {
      const actual = await readFile(join(out, file), "utf8");
      const expected = await readFile(join(golden, file), "utf8");
      assert.equal(actual, expected, file);
    }
  });
});
