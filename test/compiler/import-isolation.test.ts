/**
 * One broken module does not take the others down: `backflow run` of a
 * good DAG works next to it, and the broken file is an import error in the
 * metadata store, which also holds the good DAG in serialized form.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import pg from "pg";

import type { SerializedDag } from "../../core/compiler/serialize-dag.ts";
import { DagRepository } from "../../core/store/dag-repository.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { projectRoot, runCli } from "../helpers/cli.ts";

const fixtures = join(projectRoot, "test/fixtures/compiler/mixed");

let store: TestDatabase;
let cwd: string;
let pool: pg.Pool;

before(async () => {
  store = await createTestDatabase("bf_compiler");
  cwd = await mkdtemp(join(tmpdir(), "backflow-run-"));
  pool = new pg.Pool({ connectionString: store.url, max: 2 });
});
after(async () => {
  await pool?.end();
  await store?.drop();
  await rm(cwd, { recursive: true, force: true });
});

test("run of the good DAG succeeds and the broken module is stored as an import error", async () => {
  const run = await runCli(
    ["run", "hello", "--pipelines", fixtures, "--json"],
    { cwd, env: { BACKFLOW_DATABASE_URL: store.url } },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).state, "success");

  const repository = new DagRepository(pool);
  const errors = await repository.importErrors(fixtures);
  assert.equal(errors.length, 1);
  const [error] = errors;
  assert.equal(error!.file, "broken.ts");
  assert.match(error!.message, /task id "no spaces allowed" is invalid/);
  assert.equal(error!.diagnostics[0]!.line, 5);

  const stored = await repository.get("hello");
  assert.ok(stored, "the good DAG is stored");
  assert.equal(stored.isActive, true);
  assert.equal(stored.schedule, "@hourly");
  const serialized: SerializedDag = stored.serialized;
  assert.deepEqual(serialized.edges, [{ from: "greet", to: "wave" }]);
  assert.equal(serialized.file, "hello.ts");
  assert.equal(serialized.sourceHash, stored.sourceHash);
  assert.equal(await repository.get("broken"), undefined);
});

test("run of the broken DAG names its import error and exits 1", async () => {
  const run = await runCli(["run", "broken", "--pipelines", fixtures], {
    cwd,
    env: { BACKFLOW_DATABASE_URL: store.url },
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no DAG "broken"/);
  assert.match(run.stderr, /import error in broken\.ts/);
});
