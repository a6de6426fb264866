/**
 * The off-heap index of stored profile hashes, against a Map as the model:
 * growth of every array and of the probe table, updates, keys that differ
 * only in length or in one code unit, non-ASCII and lone surrogates.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { HashIndex } from "../../core/sync/hash-index.ts";

test("answers as a Map does over 100,000 keys, then lists the unseen", () => {
  const index = new HashIndex();
  const model = new Map<string, number>();
  const keyOf = (i: number) =>
    i % 7 === 0
      ? `user-${i}-ü€😀`
      : i % 11 === 0
        ? "x".repeat(i % 300)
        : `${i}`;

  for (let i = 0; i < 100_000; i++) {
    const key = keyOf(i);
    const hash = i * 1_000_003 + 0.5;
    index.add(key, hash);
    model.set(key, hash);
  }
  // A second add of a key updates it in place.
  index.add("42", Number.NaN);
  model.set("42", Number.NaN);
  assert.equal(index.size, model.size);

  for (let i = 0; i < 100_000; i += 2) {
    const key = keyOf(i);
    assert.deepEqual(index.take(key), model.get(key), key);
  }
  for (const absent of ["", "4", "user-7-ü€", "100000", "\uD800"]) {
    assert.equal(index.take(absent), model.get(absent), absent);
  }

  const taken = new Set<string>();
  for (let i = 0; i < 100_000; i += 2) taken.add(keyOf(i));
  const unseen = [...model.keys()].filter((k) => !taken.has(k));
  assert.deepEqual(index.unseen().sort(), unseen.sort());
});

test("keeps lone surrogates and long keys exactly", () => {
  const index = new HashIndex();
  const odd = ["\uD800", "\uDC00a", "a\uD83D", "k".repeat(20_000)];
  odd.forEach((key, i) => index.add(key, i));
  assert.deepEqual(
    odd.map((key) => index.take(key)),
    [0, 1, 2, 3],
  );
  index.add("never-taken", 9);
  assert.deepEqual(index.unseen(), ["never-taken"]);
});
