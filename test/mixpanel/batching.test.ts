import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  BatchBuilder,
  bodyBytes,
  encodeBody,
  splitPart,
  type BodyFormat,
} from "../../core/mixpanel/batching.ts";

function builder(format: BodyFormat, maxRecords = 100, maxBytes = 1e6) {
  return new BatchBuilder<number>({ maxRecords, maxBytes }, format);
}

function add(b: BatchBuilder<number>, key: number, value: unknown) {
  const json = JSON.stringify(value);
  b.add(key, json, Buffer.byteLength(json));
}

describe("request bodies", () => {
  it("writes NDJSON lines and JSON arrays byte for byte", () => {
    for (const format of ["ndjson", "array"] as const) {
      const b = builder(format);
      add(b, 0, { a: "é" });
      add(b, 1, { b: 2 });
      const body = encodeBody(b.take()!.part, format).toString();
      assert.equal(
        body,
        format === "ndjson" ? '{"a":"é"}\n{"b":2}' : '[{"a":"é"},{"b":2}]',
      );
    }
  });

  it("counts separators in the body size", () => {
    assert.equal(bodyBytes("ndjson", 3, 30), 32);
    assert.equal(bodyBytes("array", 3, 30), 34);
  });

  it("grows its buffer without losing earlier records", () => {
    const b = builder("ndjson", 10_000, 1e9);
    const values = Array.from({ length: 3000 }, (_, i) => ({ i, pad: "x" }));
    values.forEach((value, i) => add(b, i, value));
    const lines = encodeBody(b.take()!.part, "ndjson").toString().split("\n");
    assert.deepEqual(
      lines.map((line) => JSON.parse(line)),
      values,
    );
  });
});

describe("BatchBuilder", () => {
  it("cuts on the record cap, counting local rejections", () => {
    const b = builder("ndjson", 2);
    add(b, 0, {});
    b.reject({ key: 1, field: "event", message: "blank", source: "local" });
    assert.equal(b.full, true);
    const batch = b.take()!;
    assert.deepEqual(batch.keys, [0, 1]);
    assert.deepEqual(batch.part.keys, [0]);
    assert.equal(batch.local.length, 1);
    assert.equal(b.take(), undefined);
  });

  it("reports overflow before the byte cap is crossed", () => {
    const b = builder("ndjson", 10, 20);
    assert.equal(b.wouldOverflow(50), false, "a lone record always fits");
    add(b, 0, "1234567890"); // 12 bytes
    assert.equal(b.wouldOverflow(7), false); // 12 + 1 + 7 = 20
    assert.equal(b.wouldOverflow(8), true);
  });

  it("numbers batches in order and marks non-idempotent ones", () => {
    const b = builder("array", 1);
    add(b, 0, 1);
    const first = b.take()!;
    b.add(1, "2", 1, false);
    const second = b.take()!;
    assert.deepEqual([first.sequence, second.sequence], [0, 1]);
    assert.deepEqual([first.idempotent, second.idempotent], [true, false]);
  });
});

describe("splitPart", () => {
  it("halves by bytes, never leaving a side empty", () => {
    const b = builder("ndjson");
    add(b, 0, "x".repeat(100));
    for (const k of [1, 2, 3]) add(b, k, "y");
    const [left, right] = splitPart(b.take()!.part);
    assert.deepEqual(left.keys, [0]);
    assert.deepEqual(right.keys, [1, 2, 3]);
    assert.equal(encodeBody(right, "ndjson").toString(), '"y"\n"y"\n"y"');

    const even = builder("array");
    for (const k of [0, 1, 2, 3]) add(even, k, "zz");
    const [a, c] = splitPart(even.take()!.part);
    assert.deepEqual(
      [a.keys, c.keys],
      [
        [0, 1],
        [2, 3],
      ],
    );
    assert.equal(encodeBody(c, "array").toString(), '["zz","zz"]');
  });
});
