/**
 * The checkpoint rule's data structure: the finished prefix only grows
 * over rows that are all finished, whatever order they finish in.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { PrefixTracker } from "../../core/sync/prefix-tracker.ts";

test("the prefix stops at the first row still in flight", () => {
  const t = new PrefixTracker<string>("start");
  const rows = [0, 1, 2, 3, 4].map(() => t.assign());
  t.finish(rows[1]!, "b");
  t.finish(rows[3]!, "d");
  assert.equal(t.position, "start", "row 0 is still in flight");
  t.finish(rows[0]!, "a");
  assert.equal(t.position, "b", "rows 0 and 1 are done; 2 is not");
  t.finish(rows[2]!, "c");
  assert.equal(t.position, "d");
  assert.equal(t.pending, 1);
  t.finish(rows[4]!, "e");
  assert.equal(t.position, "e");
  assert.equal(t.pending, 0);
});

test("rows without a position move the prefix but not the checkpoint", () => {
  const t = new PrefixTracker<string>();
  const a = t.assign();
  const b = t.assign();
  const c = t.assign();
  t.finish(c, undefined);
  t.finish(b, "b");
  t.finish(a, "a");
  assert.equal(t.position, "b", "the last row that has a position");
  assert.equal(t.pending, 0);
});

test("any finishing order of many rows ends at the last row", () => {
  const t = new PrefixTracker<number>();
  const n = 2000;
  const order = Array.from({ length: n }, () => t.assign());
  // A deterministic shuffle: batches acknowledged out of order.
  for (let i = n - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let low = -1;
  for (const index of order) {
    t.finish(index, index);
    const position = t.position ?? -1;
    assert.ok(position >= low, "the checkpoint never moves back");
    low = position;
  }
  assert.equal(t.position, n - 1);
  t.finish(5, 5);
  assert.equal(t.position, n - 1, "finishing twice changes nothing");
});
