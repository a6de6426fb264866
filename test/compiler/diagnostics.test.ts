/**
 * `backflow check` on a folder holding one mistake per module: every
 * mistake is reported once, at the file, line and column to change, and
 * only the correct module's DAG stays usable.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  compilePipelines,
  type CompileResult,
} from "../../core/compiler/compile.ts";
import {
  formatDiagnostic,
  type Diagnostic,
} from "../../core/compiler/diagnostic.ts";
import { projectRoot, runCli } from "../helpers/cli.ts";

const fixtures = join(projectRoot, "test/fixtures/compiler/diagnostics");

describe("compiling a folder with one mistake per module", () => {
  let cacheDir: string;
  let result: CompileResult;

  before(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), "backflow-cache-"));
    result = await compilePipelines(fixtures, { cacheDir });
  });
  after(() => rm(cacheDir, { recursive: true, force: true }));

  function only(file: string): Diagnostic {
    const found = result.diagnostics.filter((d) => d.file === file);
    assert.equal(found.length, 1, found.map((d) => d.message).join("\n"));
    return found[0]!;
  }

  test("a type error names the column at its line and column", () => {
    const d = only("type-error.ts");
    assert.equal(d.code, "TS2322");
    assert.equal(d.phase, "typecheck");
    assert.deepEqual([d.line, d.column], [12, 19]);
    assert.match(d.message, /"amount_total"/);
    assert.equal(d.sourceLine, '    properties: { amount: "amount_total" },');
  });

  test("a cycle is named, at an .after(...) link of the loop", () => {
    const d = only("cycle.ts");
    assert.equal(d.code, "GRAPH_CYCLE");
    assert.equal(d.dagId, "cycle");
    assert.match(d.message, /extract → load → report → extract/);
    assert.deepEqual([d.line, d.column], [6, 38]);
    assert.match(d.sourceLine!, /\.after\(a\)/);
  });

  test("an unknown dependency names both tasks, at its .after(...)", () => {
    const d = only("unknown-dependency.ts");
    assert.equal(d.code, "GRAPH_UNKNOWN_TASK");
    assert.match(d.message, /"consume" runs after "first\.publish"/);
    assert.deepEqual([d.line, d.column], [11, 31]);
  });

  test("a bad cron points at the schedule option", () => {
    const d = only("bad-cron.ts");
    assert.equal(d.code, "DAG_INVALID");
    assert.match(d.message, /schedule "61 \* \* \* \*" is not a valid cron/);
    assert.deepEqual([d.line, d.column], [8, 5]);
  });

  test("a duplicate task id points at its second declaration", () => {
    const d = only("duplicate-task.ts");
    assert.equal(d.code, "DAG_DUPLICATE_TASK");
    assert.match(d.message, /task "refresh" twice/);
    assert.deepEqual([d.line, d.column], [7, 10]);
  });

  test("a missing insert-id mapping fails the type check at the task", () => {
    const d = only("missing-insert-id.ts");
    assert.equal(d.code, "TS2345");
    assert.match(d.message, /Property 'insertId' is missing/);
    assert.equal(d.line, 6);
  });

  test("in plain JavaScript the builder reports the missing insert id", () => {
    const d = only("missing-insert-id-js.js");
    assert.equal(d.code, "DAG_INVALID");
    assert.equal(d.taskId, "orders");
    assert.match(d.message, /the mapping needs insertId/);
    assert.deepEqual([d.line, d.column], [8, 12]);
  });

  test("a DAG id used twice is an error of the second file", () => {
    const d = only("second-copy.ts");
    assert.equal(d.code, "DAG_DUPLICATE_ID");
    assert.match(d.message, /already defined in good\.ts/);
    assert.deepEqual([d.line, d.column], [4, 20]);
  });

  test("each broken module is an import error; the good DAG is usable", () => {
    assert.deepEqual(
      result.dags.map((d) => d.id),
      ["good"],
    );
    assert.deepEqual(
      result.errors.map((e) => e.file),
      [
        "bad-cron.ts",
        "cycle.ts",
        "duplicate-task.ts",
        "missing-insert-id-js.js",
        "missing-insert-id.ts",
        "second-copy.ts",
        "type-error.ts",
        "unknown-dependency.ts",
      ],
    );
    const clean = result.diagnostics.filter((d) =>
      ["good.ts", "connections.ts"].includes(d.file),
    );
    assert.deepEqual(clean, []);
  });

  test("a diagnostic prints as file:line:col with a caret under the column", () => {
    const text = formatDiagnostic(only("duplicate-task.ts"));
    assert.equal(
      text.split("\n").slice(1).join("\n"),
      ['  7 |   d.task("refresh", () => {});', "    |          ^"].join("\n"),
    );
    assert.match(text, /^duplicate-task\.ts:7:10 - error DAG_DUPLICATE_TASK: /);
  });
});

test("backflow check exits 1 and prints every diagnostic as JSON", async () => {
  const cwd = await mkdtemp(join(tmpdir(), "backflow-check-"));
  try {
    const run = await runCli(["check", "--pipelines", fixtures, "--json"], {
      cwd,
    });
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as {
      ok: boolean;
      dags: { id: string }[];
      diagnostics: Diagnostic[];
    };
    assert.equal(out.ok, false);
    assert.deepEqual(
      out.dags.map((d) => d.id),
      ["good"],
    );
    const places = out.diagnostics.map((d) => `${d.file}:${d.line}:${d.code}`);
    assert.ok(places.includes("cycle.ts:6:GRAPH_CYCLE"), places.join(", "));
    assert.equal(out.diagnostics.length, 8);
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
});
