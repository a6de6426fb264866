import assert from "node:assert/strict";
import { test } from "node:test";

import {
  formatDate,
  ValueConverter,
  ValueProblem,
} from "../../core/mapping/convert-value.ts";
import { truncateUtf8 } from "../../core/mapping/truncate-utf8.ts";

test("truncation never splits a 4-byte character at the limit", () => {
  const text = "a".repeat(253) + "🚀"; // 257 bytes, the rocket straddles 255
  assert.equal(truncateUtf8(text, 255), "a".repeat(253));
  assert.equal(
    truncateUtf8("a".repeat(251) + "🚀", 255),
    "a".repeat(251) + "🚀",
  );
});

test("a string of exactly 255 bytes is kept whole", () => {
  const text = "é".repeat(127) + "a"; // 254 + 1 bytes
  const converter = new ValueConverter(true);
  assert.equal(converter.convert(text), text);
  assert.equal(converter.truncated, false);
});

test("long strings inside lists are cut too, and reported", () => {
  const converter = new ValueConverter(true);
  const out = converter.convert(["x".repeat(300)]) as string[];
  assert.equal(out[0]!.length, 255);
  assert.equal(converter.truncated, true);
});

test("bigints switch to strings exactly past 2^53 - 1", () => {
  const converter = new ValueConverter(true);
  assert.equal(converter.convert(9007199254740991n), 9007199254740991);
  assert.equal(converter.convert(9007199254740992n), "9007199254740992");
  assert.equal(converter.convert(-9007199254740992n), "-9007199254740992");
});

test("dates drop a zero millisecond part, keep a real one", () => {
  assert.equal(
    formatDate(new Date("2024-01-02T03:04:05Z")),
    "2024-01-02T03:04:05",
  );
  assert.equal(
    formatDate(new Date("2024-01-02T03:04:05.007Z")),
    "2024-01-02T03:04:05.007",
  );
});

test("profile values may nest deeper than event values", () => {
  const deep = { a: { b: { c: { d: 1 } } } };
  assert.deepEqual(new ValueConverter(false).convert(deep), deep);
  assert.throws(() => new ValueConverter(true).convert(deep), ValueProblem);
});

test("a list of 255 items is too long for an event property", () => {
  const converter = new ValueConverter(true);
  assert.equal((converter.convert(Array(254).fill(1)) as number[]).length, 254);
  assert.throws(() => converter.convert(Array(255).fill(1)), /at most 254/);
});

test("bytes become base64 and class instances are refused", () => {
  const converter = new ValueConverter(true);
  assert.equal(converter.convert(Buffer.from("hi")), "aGk=");
  assert.throws(() => converter.convert(new Map()), /unsupported type \(Map\)/);
});
