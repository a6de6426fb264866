/**
 * What backflow writes on disk is its owner's only: `.backflow/` (however
 * it comes to exist first: the compile cache, a dry run or the embedded
 * store), the embedded PostgreSQL's folder, password, state and log, its
 * data folder, and dry-run request bodies (they hold warehouse rows).
 *
 * As root the embedded server runs as the OS user `postgres` (PostgreSQL
 * refuses to run as root), which must pass through `.backflow/` and
 * `.backflow/postgres/` to reach its data folder: those two are 0711
 * (others may enter but not list them), everything in them stays 0700 or
 * 0600, and the data folder belongs to `postgres` with 0700. As any other
 * user every folder is 0700.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { projectRoot, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { fillWarehouse } from "../faults/fault-warehouse.ts";

const asRoot = process.getuid?.() === 0;
const mode = async (path: string) => (await stat(path)).mode & 0o777;
const octal = (m: number) => m.toString(8).padStart(4, "0");

describe("files are created owner-only", () => {
  let project: string;
  let warehouse: TestDatabase;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: project, env });

  before(async () => {
    project = await mkdtemp(join(tmpdir(), "bf-perms-"));
    // As root the server's user must reach the project folder itself.
    await chmod(project, 0o755);
    warehouse = await createTestDatabase("bf_perms_wh");
    await fillWarehouse(warehouse.url);
  });
  after(async () => {
    await cli(["db", "stop"]);
    await rm(project, { recursive: true, force: true });
    await warehouse?.drop();
  });

  test("regression: the compile cache made .backflow/ readable by all (0755)", async () => {
    const check = await cli([
      "check",
      "--pipelines",
      join(projectRoot, "test/fixtures/pipelines/noop"),
    ]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(octal(await mode(join(project, ".backflow"))), "0700");
    assert.equal(octal(await mode(join(project, ".backflow/cache"))), "0700");
  });

  test("regression: dry-run bodies (warehouse rows) were written in 0755 folders", async () => {
    const run = await cli(
      [
        "run",
        "faults",
        "--dry-run",
        "--pipelines",
        join(projectRoot, "test/fixtures/pipelines/faults"),
      ],
      {
        FAULTS_WAREHOUSE_URL: warehouse.url,
        MIXPANEL_TOKEN: "perm-token",
        MIXPANEL_API_URL: "http://127.0.0.1:1",
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const dir = join(project, ".backflow/dry-run");
    assert.equal(octal(await mode(dir)), "0700");
    assert.equal(octal(await mode(join(dir, "faults"))), "0700");
    for (const task of await readdir(join(dir, "faults"))) {
      assert.equal(octal(await mode(join(dir, "faults", task))), "0700", task);
    }
  });

  test("the embedded store: folders, password, state, log and data", async () => {
    const start = await cli(["db", "start"]);
    assert.equal(start.code, 0, start.stderr);
    const root = join(project, ".backflow");
    const dir = join(root, "postgres");
    const folder = asRoot ? "0711" : "0700";
    assert.equal(octal(await mode(root)), folder, ".backflow");
    assert.equal(octal(await mode(dir)), folder, ".backflow/postgres");
    for (const file of ["password", "server.json", "postgres.log"]) {
      assert.equal(octal(await mode(join(dir, file))), "0600", file);
      assert.equal((await stat(join(dir, file))).uid, process.getuid?.());
    }
    const data = await stat(join(dir, "data"));
    assert.equal(octal(data.mode & 0o777), "0700", "data");
    if (asRoot) assert.notEqual(data.uid, 0, "the data belongs to postgres");
    // The cache made before the server keeps its own mode.
    assert.equal(octal(await mode(join(root, "cache"))), "0700");
  });
});
