/**
 * Type-level tests: the fixtures under test/fixtures/type-errors are
 * compiled with the project's compiler options, and each wrong mapping must
 * fail with a message naming the wrong column.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";

import ts from "typescript";

const root = new URL("../..", import.meta.url).pathname;
const fixtures = join(root, "test/fixtures/type-errors");
const names = [
  "shop-correct",
  "wrong-property-column",
  "wrong-insert-id",
  "wrong-time-column",
  "wrong-function-field",
  "wrong-group-id",
  "wrong-cursor",
  "after-by-name",
];

const messages = new Map<string, string[]>();

before(() => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  assert.ok(config, "tsconfig.json must parse");
  const files = names.map((name) => join(fixtures, `${name}.ts`));
  const program = ts.createProgram(files, config.options);
  for (const [i, file] of files.entries()) {
    const source = program.getSourceFile(file);
    assert.ok(source, `fixture ${file} must exist`);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    messages.set(
      names[i]!,
      diagnostics.map((d) =>
        ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      ),
    );
  }
});

function only(name: string): string {
  const found = messages.get(name) ?? [];
  assert.equal(found.length, 1, `${name}: ${found.join("\n")}`);
  return found[0]!;
}

test("the DESIGN sketch written against the API compiles cleanly", () => {
  assert.deepEqual(messages.get("shop-correct"), []);
});

test("a property mapped to a misspelt column names that column", () => {
  assert.match(only("wrong-property-column"), /"emial"/);
});

test("a misspelt insertId column names that column", () => {
  assert.match(only("wrong-insert-id"), /"order_idd".*keyof OrderRow/);
});

test("a misspelt time column names that column", () => {
  assert.match(only("wrong-time-column"), /"createdAt"/);
});

test("a function mapping is typed by the query's row type", () => {
  assert.match(only("wrong-function-field"), /'lastname'.*'UserRow'/);
});

test("a misspelt group id column names that column", () => {
  assert.match(only("wrong-group-id"), /"account_id"/);
});

test("a misspelt incremental cursor names that column", () => {
  assert.match(only("wrong-cursor"), /"updatedAt"/);
});

test(".after takes task handles, not task ids", () => {
  assert.match(only("after-by-name"), /'string'.*'TaskHandle/);
});
