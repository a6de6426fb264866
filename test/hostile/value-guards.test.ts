/**
 * The guards behind the hostile-values run, one by one: nesting that
 * would overflow the stack is a row's problem, an excerpt of any value is
 * printable, and text stored in jsonb never holds what jsonb refuses.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  MAX_NESTING,
  ValueConverter,
  ValueProblem,
} from "../../core/mapping/convert-value.ts";
import { jsonText } from "../../core/store/json-text.ts";
import { excerptOf } from "../../core/sync/rejections.ts";

function nestedLists(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

test("regression: lists nested 100,000 deep overflowed the stack instead of refusing the value", () => {
  for (const shapeRules of [true, false]) {
    const converter = new ValueConverter(shapeRules);
    assert.throws(
      () => converter.convert(nestedLists(100_000)),
      (e) => e instanceof ValueProblem && /100 levels deep/.test(e.message),
    );
    // The converter is usable afterwards, and the limit is inclusive.
    assert.deepEqual(
      converter.convert(nestedLists(MAX_NESTING)),
      nestedLists(MAX_NESTING),
    );
  }
});

test("an excerpt of a value too deep to print says so instead of throwing", () => {
  const excerpt = excerptOf({ id: 1, doc: nestedLists(100_000) });
  assert.equal(excerpt.id, 1);
  assert.equal(typeof excerpt.doc, "string");
});

test("excerpts are cut on a character and hold no lone surrogate", () => {
  const text = "a".repeat(199) + "😀" + "b".repeat(10) + "\ud800";
  const excerpt = excerptOf({ text }).text as string;
  assert.equal(excerpt, "a".repeat(199) + "…");
  const lone = excerptOf({ lone: "x\udc00y" }).lone;
  assert.equal(lone, "x\uFFFDy");
});

test("jsonText replaces NUL and lone surrogates, which jsonb refuses", () => {
  const text = jsonText({ a: "nul\u0000", b: ["\ud800"], c: "😀" });
  assert.doesNotMatch(text, /\\u0000|\\ud800/i);
  assert.deepEqual(JSON.parse(text), {
    a: "nul\uFFFD",
    b: ["\uFFFD"],
    c: "😀",
  });
});
