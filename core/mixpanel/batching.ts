/**
 * Cutting records into request-sized batches. Each record is serialised
 * once, at push time, and its bytes are written straight into the batch's
 * buffer, so the JSON string dies young and a batch costs one buffer plus
 * two offsets per record, not one object per record.
 *
 * Layout of a batch buffer: record bytes, each followed by the separator
 * ("\n" for NDJSON, "," for a JSON array). Record i spans
 * [starts[i], ends[i]). A run of consecutive records is therefore one
 * contiguous slice, which makes halving a batch (413, bisecting) free.
 */
import { JsonBytes } from "./json-bytes.ts";
import type { Rejection } from "./types.ts";

/** "ndjson": one record per line. "array": a JSON array. */
export type BodyFormat = "ndjson" | "array";

export interface BatchLimits {
  /** Records per request, locally rejected ones counted too. */
  maxRecords: number;
  /** Uncompressed body bytes per request, separators included. */
  maxBytes: number;
}

/** Consecutive records of one buffer, with the caller's keys. */
export interface Part<K> {
  keys: K[];
  data: Buffer;
  starts: number[];
  ends: number[];
}

export interface Batch<K> {
  sequence: number;
  /** Every key in push order, locally rejected ones included. */
  keys: K[];
  /** The records to send (empty when all were rejected locally). */
  part: Part<K>;
  /** Records refused by local validation; never sent. */
  local: Rejection<K>[];
  /** False when a record must not be applied twice ($add, $append). */
  idempotent: boolean;
}

const SEPARATOR: Record<BodyFormat, number> = { ndjson: 0x0a, array: 0x2c };
const MIN_CAPACITY = 64 * 1024;

/**
 * Batch buffers, reused once their batch is delivered. They live in
 * shared memory, which the gzip worker reads without a copy; shared
 * memory is only freed once every thread that saw it collects its
 * garbage, so buffers go round instead of being made anew per batch.
 */
export class BufferPool {
  readonly #free: Buffer[] = [];

  /**
   * @param keep most free buffers kept for reuse
   * @param size bytes of each buffer: a whole batch and its last record,
   *   so that no batch has to grow its buffer. Untouched pages of shared
   *   memory take no RAM, so a generous size costs nothing.
   */
  constructor(
    private readonly keep: number,
    private readonly size = MIN_CAPACITY,
  ) {}

  take(): Buffer {
    return this.#free.pop() ?? Buffer.from(new SharedArrayBuffer(this.size));
  }

  give(buffer: Buffer): void {
    if (!(buffer.buffer instanceof SharedArrayBuffer)) return;
    if (buffer.length !== this.size) return;
    if (this.#free.length < this.keep) this.#free.push(buffer);
  }
}

/** Body length of `count` records totalling `bytes`, with separators. */
export function bodyBytes(format: BodyFormat, count: number, bytes: number) {
  if (count === 0) return format === "array" ? 2 : 0;
  return bytes + (count - 1) + (format === "array" ? 2 : 0);
}

export class BatchBuilder<K> {
  readonly #limits: BatchLimits;
  readonly #format: BodyFormat;
  readonly #separator: number;
  /** The batch's bytes: `out.buf[0, out.pos)`. */
  #out: JsonBytes;
  #keys: K[] = [];
  #sendKeys: K[] = [];
  #starts: number[] = [];
  #ends: number[] = [];
  #local: Rejection<K>[] = [];
  #idempotent = true;
  #sequence = 0;

  readonly #pool: BufferPool;

  constructor(
    limits: BatchLimits,
    format: BodyFormat,
    pool: BufferPool = new BufferPool(2),
  ) {
    this.#limits = limits;
    this.#format = format;
    this.#separator = SEPARATOR[format];
    this.#pool = pool;
    this.#out = new JsonBytes(pool.take(), true);
  }

  /**
   * The batch's buffer, for a caller that writes a record into it in
   * place (then `commit`s it, or sets `out.pos` back to where it began).
   */
  get out(): JsonBytes {
    return this.#out;
  }

  /** Records in the batch being built, rejected ones included. */
  get size(): number {
    return this.#keys.length;
  }

  get full(): boolean {
    return this.#keys.length >= this.#limits.maxRecords;
  }

  /**
   * Whether a record of `bytes` would break the byte cap.
   * @param used the batch's bytes before the record (default: all)
   */
  wouldOverflow(bytes: number, used = this.#out.pos): boolean {
    const count = this.#sendKeys.length;
    if (count === 0) return false;
    // `used` already holds one separator per record.
    const recordBytes = used - count;
    return (
      bodyBytes(this.#format, count + 1, recordBytes + bytes) >
      this.#limits.maxBytes
    );
  }

  /** Appends a record; `bytes` must be its UTF-8 length. */
  add(key: K, json: string, bytes: number, idempotent = true): void {
    const out = this.#out;
    out.reserve(bytes + 1);
    const start = out.pos;
    out.pos += out.buf.write(json, start);
    this.commit(key, start, idempotent);
  }

  /** Appends a record given as UTF-8 JSON bytes, `src[start, end)`. */
  addBytes(key: K, src: Buffer, start: number, end: number): void {
    const out = this.#out;
    out.reserve(end - start + 1);
    const at = out.pos;
    out.pos += src.copy(out.buf, at, start, end);
    this.commit(key, at);
  }

  /** Takes the record written into `out` since `start` into the batch. */
  commit(key: K, start: number, idempotent = true): void {
    const out = this.#out;
    this.#starts.push(start);
    this.#ends.push(out.pos);
    out.reserve(1);
    out.buf[out.pos++] = this.#separator;
    this.#keys.push(key);
    this.#sendKeys.push(key);
    if (!idempotent) this.#idempotent = false;
  }

  reject(rejection: Rejection<K>): void {
    this.#keys.push(rejection.key);
    this.#local.push(rejection);
  }

  /** Hands over the batch built so far (undefined when empty). */
  take(): Batch<K> | undefined {
    if (this.#keys.length === 0) return undefined;
    const batch: Batch<K> = {
      sequence: this.#sequence++,
      keys: this.#keys,
      part: {
        keys: this.#sendKeys,
        data: this.#out.buf,
        starts: this.#starts,
        ends: this.#ends,
      },
      local: this.#local,
      idempotent: this.#idempotent,
    };
    // The next batch is likely as big as this one: start at that size.
    this.#out = new JsonBytes(this.#pool.take(), true);
    this.#keys = [];
    this.#sendKeys = [];
    this.#starts = [];
    this.#ends = [];
    this.#local = [];
    this.#idempotent = true;
    return batch;
  }
}

/** The request body of a part. NDJSON bodies share the part's memory. */
export function encodeBody<K>(part: Part<K>, format: BodyFormat): Buffer {
  const count = part.keys.length;
  if (count === 0) return Buffer.from(format === "array" ? "[]" : "");
  const records = part.data.subarray(part.starts[0], part.ends[count - 1]);
  if (format === "ndjson") return records;
  return Buffer.concat([OPEN, records, CLOSE]);
}

const OPEN = Buffer.from("[");
const CLOSE = Buffer.from("]");

/** Bytes of one record of a part. */
export function recordBytes<K>(part: Part<K>, index: number): number {
  return part.ends[index]! - part.starts[index]!;
}

/** Splits a part in two halves of about equal byte size, neither empty. */
export function splitPart<K>(part: Part<K>): [Part<K>, Part<K>] {
  const count = part.keys.length;
  const first = part.starts[0]!;
  const half = (part.ends[count - 1]! - first) / 2;
  let cut = 1;
  while (cut < count - 1 && part.ends[cut]! - first <= half) cut++;
  const slice = (from: number, to: number): Part<K> => ({
    keys: part.keys.slice(from, to),
    data: part.data,
    starts: part.starts.slice(from, to),
    ends: part.ends.slice(from, to),
  });
  return [slice(0, cut), slice(cut, count)];
}
