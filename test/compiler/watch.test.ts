/**
 * Watch mode, as the scheduler uses it: every change of the pipelines
 * folder reaches the metadata store without a restart, and only the
 * modules that changed are type-checked and imported again.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import type { CompileResult } from "../../core/compiler/compile.ts";
import {
  createCompilerWatcher,
  type CompilerWatcher,
  type ModuleChanges,
} from "../../core/compiler/compiler-watcher.ts";
import { publishCompiled } from "../../core/compiler/publish.ts";
import { DagRepository } from "../../core/store/dag-repository.ts";
import {
  openStore,
  type MetadataStore,
} from "../../core/store/metadata-store.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { chainModule, typeErrorModule } from "./modules.ts";
import { createTempProject, waitFor, type TempProject } from "./project.ts";

let database: TestDatabase;
let store: MetadataStore;
let project: TempProject;
let watcher: CompilerWatcher;
const compiles: { result: CompileResult; changes: ModuleChanges }[] = [];
const typeChecked: string[][] = [];

before(async () => {
  database = await createTestDatabase("bf_watch");
  store = await openStore({ databaseUrl: database.url });
  project = await createTempProject({
    "orders.ts": chainModule("orders", ["extract", "load"], "@daily"),
    "users.ts": chainModule("users", ["sync"]),
  });
  watcher = createCompilerWatcher(
    project.pipelines,
    async (result, changes) => {
      await publishCompiled(store, result);
      compiles.push({ result, changes });
    },
    {
      debounceMs: 50,
      cacheDir: `${project.root}/.backflow/cache`,
      onTypeCheck: (files) => typeChecked.push([...files]),
    },
  );
  await watcher.ready;
});

after(async () => {
  await watcher?.close();
  await store?.close();
  await database?.drop();
  await project?.cleanup();
});

const dags = () => new DagRepository(store.pool);

async function storedTasks(dagId: string) {
  const dag = await dags().get(dagId);
  return dag?.isActive ? dag.serialized.tasks.map((t) => t.id) : undefined;
}

test("the first compile stores every DAG", async () => {
  assert.deepEqual(await storedTasks("orders"), ["extract", "load"]);
  assert.deepEqual(await storedTasks("users"), ["sync"]);
  assert.deepEqual(typeChecked, [["orders.ts", "users.ts"]]);
});

test("an edited module's new DAG reaches the store without a restart", async () => {
  typeChecked.length = 0;
  const before = compiles.length;
  await project.write(
    "orders.ts",
    chainModule("orders", ["extract", "load", "notify"], "@hourly"),
  );
  const tasks = await waitFor(async () => {
    const found = await storedTasks("orders");
    return found?.length === 3 ? found : undefined;
  }, "the edited DAG in the store");
  assert.deepEqual(tasks, ["extract", "load", "notify"]);
  assert.equal((await dags().get("orders"))!.schedule, "@hourly");

  const last = compiles.at(-1)!;
  assert.ok(compiles.length > before);
  assert.deepEqual(last.changes, {
    added: [],
    changed: ["orders.ts"],
    removed: [],
  });
  // A write may be seen half-done and compiled once more; either way only
  // the edited module is ever type-checked again.
  assert.deepEqual([...new Set(typeChecked.flat())], ["orders.ts"]);
  assert.deepEqual(last.result.stats.reused, ["users.ts"]);
});

test("an added module's DAG is stored", async () => {
  await project.write("billing.ts", chainModule("billing", ["invoice"]));
  assert.deepEqual(await waitFor(() => storedTasks("billing"), "the new DAG"), [
    "invoice",
  ]);
});

test("a module that breaks is an import error; the others stay", async () => {
  await project.write("users.ts", typeErrorModule("users"));
  const errors = await waitFor(async () => {
    const found = await dags().importErrors(project.pipelines);
    return found.length ? found : undefined;
  }, "the import error");
  assert.equal(errors[0]!.file, "users.ts");
  assert.equal(errors[0]!.diagnostics[0]!.code, "TS2322");
  assert.equal(errors[0]!.diagnostics[0]!.line, 4);
  assert.equal(await storedTasks("users"), undefined);
  assert.deepEqual(await storedTasks("orders"), ["extract", "load", "notify"]);
});

test("a fixed module clears its import error", async () => {
  await project.write("users.ts", chainModule("users", ["sync", "verify"]));
  await waitFor(async () => {
    const found = await dags().importErrors(project.pipelines);
    return found.length === 0 ? true : undefined;
  }, "the import error to clear");
  assert.deepEqual(await storedTasks("users"), ["sync", "verify"]);
});

test("a removed module's DAG becomes inactive", async () => {
  await project.remove("billing.ts");
  await waitFor(async () => {
    const billing = await dags().get("billing");
    return billing && !billing.isActive ? true : undefined;
  }, "billing to become inactive");
  const active = (await dags().list()).map((d) => d.dagId);
  assert.deepEqual(active, ["orders", "users"]);
});
