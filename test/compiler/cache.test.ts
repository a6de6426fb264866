/**
 * The type-check cache: a second compile of an unchanged tree runs no type
 * check at all, and after an edit only the modules whose text (or whose
 * imports' text) changed are checked again.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { compilePipelines } from "../../core/compiler/compile.ts";
import { runCli } from "../helpers/cli.ts";
import { chainModule } from "./modules.ts";
import { createTempProject, type TempProject } from "./project.ts";

describe("type-check cache", () => {
  let project: TempProject;
  let cacheDir: string;
  const checked: string[][] = [];
  const compile = () =>
    compilePipelines(project.pipelines, {
      cacheDir,
      onTypeCheck: (files) => checked.push([...files]),
    });

  before(async () => {
    project = await createTempProject({
      "labels.ts": `export const prefix: string = "nightly";\n`,
      "uses-labels.ts": [
        `import { dag } from "backflow";`,
        `import { prefix } from "./labels.ts";`,
        ``,
        `export default dag(\`\${prefix}_report\`, {}, (d) => {`,
        `  d.task("report", () => {});`,
        `});`,
        ``,
      ].join("\n"),
      "alone.ts": chainModule("alone", ["a", "b"]),
    });
    cacheDir = `${project.root}/.backflow/cache`;
  });
  after(() => project.cleanup());

  test("the first compile checks every module", async () => {
    const result = await compile();
    assert.deepEqual(checked, [["alone.ts", "labels.ts", "uses-labels.ts"]]);
    assert.deepEqual(result.diagnostics, []);
    assert.deepEqual(
      result.dags.map((d) => d.id),
      ["alone", "nightly_report"],
    );
  });

  test("a second compile of the unchanged tree runs no type check", async () => {
    checked.length = 0;
    const result = await compile();
    assert.deepEqual(checked, []);
    assert.deepEqual(result.stats.typeChecked, []);
    assert.equal(result.stats.typeCheckCached.length, 3);
  });

  test("an edited helper re-checks it and the module importing it only", async () => {
    checked.length = 0;
    await project.write("labels.ts", `export const prefix: number = 1;\n`);
    const result = await compile();
    assert.deepEqual(checked, [["labels.ts", "uses-labels.ts"]]);
    const errors = result.diagnostics.map((d) => `${d.file}:${d.code}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      result.dags.map((d) => d.id),
      ["alone", "1_report"],
    );
  });

  test("the cache is found by content, wherever the folder lives", async () => {
    const copy = await createTempProject({
      "alone.ts": chainModule("alone", ["a", "b"]),
    });
    try {
      checked.length = 0;
      await compilePipelines(copy.pipelines, {
        cacheDir,
        onTypeCheck: (files) => checked.push([...files]),
      });
      assert.deepEqual(checked, []);
    } finally {
      await copy.cleanup();
    }
  });
});

test("backflow check, run twice on an unchanged tree, type-checks once", async () => {
  const project = await createTempProject({
    "shop.ts": chainModule("shop", ["extract", "load"], "@daily"),
  });
  try {
    const check = () =>
      runCli(["check", "--pipelines", project.pipelines, "--json"], {
        cwd: project.root,
        env: { BACKFLOW_LOG_LEVEL: "debug" },
      });
    const first = await check();
    assert.equal(first.code, 0, first.stderr);
    const firstStats = JSON.parse(first.stdout).stats;
    assert.deepEqual(firstStats.typeChecked, ["shop.ts"]);
    assert.match(first.stderr, /"event":"compiler\.typecheck"/);

    const second = await check();
    assert.equal(second.code, 0, second.stderr);
    const secondStats = JSON.parse(second.stdout).stats;
    assert.deepEqual(secondStats.typeChecked, []);
    assert.deepEqual(secondStats.typeCheckCached, ["shop.ts"]);
    assert.doesNotMatch(second.stderr, /"event":"compiler\.typecheck"/);
    assert.match(second.stderr, /"event":"compiler\.typecheck_cached"/);
  } finally {
    await project.cleanup();
  }
});
