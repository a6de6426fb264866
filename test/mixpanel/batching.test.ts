import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  BatchBuilder,
  bodyBytes,
  encodeBody,
  splitByBytes,
  type BatchItem,
} from "../../core/mixpanel/batching.ts";

const item = (key: number, value: unknown): BatchItem<number> => {
  const json = JSON.stringify(value);
  return { key, json, bytes: Buffer.byteLength(json) };
};

describe("request bodies", () => {
  it("writes NDJSON lines and JSON arrays byte for byte", () => {
    const items = [item(0, { a: "é" }), item(1, { b: 2 })];
    assert.equal(encodeBody(items, "ndjson").toString(), '{"a":"é"}\n{"b":2}');
    assert.deepEqual(JSON.parse(encodeBody(items, "array").toString()), [
      { a: "é" },
      { b: 2 },
    ]);
    assert.equal(encodeBody([], "array").toString(), "[]");
  });

  it("counts separators in the body size", () => {
    assert.equal(bodyBytes("ndjson", 3, 30), 32);
    assert.equal(bodyBytes("array", 3, 30), 34);
  });
});

describe("BatchBuilder", () => {
  it("cuts on the record cap, counting local rejections", () => {
    const b = new BatchBuilder<number>(
      { maxRecords: 2, maxBytes: 1e6 },
      "ndjson",
    );
    b.add(item(0, {}));
    b.reject({ key: 1, field: "event", message: "blank", source: "local" });
    assert.equal(b.full, true);
    const batch = b.take()!;
    assert.deepEqual(batch.keys, [0, 1]);
    assert.equal(batch.items.length, 1);
    assert.equal(batch.local.length, 1);
    assert.equal(b.take(), undefined);
  });

  it("reports overflow before the byte cap is crossed", () => {
    const b = new BatchBuilder<number>(
      { maxRecords: 10, maxBytes: 20 },
      "ndjson",
    );
    assert.equal(b.wouldOverflow(50), false, "a lone record always fits");
    b.add(item(0, "1234567890")); // 12 bytes
    assert.equal(b.wouldOverflow(7), false); // 12 + 1 + 7 = 20
    assert.equal(b.wouldOverflow(8), true);
  });

  it("numbers batches in order", () => {
    const b = new BatchBuilder<number>(
      { maxRecords: 1, maxBytes: 100 },
      "array",
    );
    b.add(item(0, 1));
    const first = b.take()!;
    b.add(item(1, 2));
    assert.deepEqual([first.sequence, b.take()!.sequence], [0, 1]);
  });
});

describe("splitByBytes", () => {
  it("halves by bytes and never leaves a side empty", () => {
    const big = item(0, "x".repeat(100));
    const small = [1, 2, 3].map((k) => item(k, "y"));
    const [left, right] = splitByBytes([big, ...small]);
    assert.deepEqual(
      left.map((i) => i.key),
      [0],
    );
    assert.deepEqual(
      right.map((i) => i.key),
      [1, 2, 3],
    );

    const even = [0, 1, 2, 3].map((k) => item(k, "zz"));
    const [a, b] = splitByBytes(even);
    assert.deepEqual([a.length, b.length], [2, 2]);
  });
});
