/**
 * Cutting serialised records into request-sized batches and turning a batch
 * into a request body. Each record is serialised once, at push time; the
 * body is then written straight into one buffer, with no intermediate
 * joined string.
 */
import type { Rejection } from "./types.ts";

/** One serialised record waiting to be sent. */
export interface BatchItem<K> {
  key: K;
  json: string;
  /** UTF-8 length of `json`. */
  bytes: number;
}

export interface Batch<K, I extends BatchItem<K> = BatchItem<K>> {
  sequence: number;
  /** Every key in push order, locally rejected ones included. */
  keys: K[];
  items: I[];
  /** Records refused by local validation; never sent. */
  local: Rejection<K>[];
}

export interface BatchLimits {
  /** Records per request, rejected ones counted too. */
  maxRecords: number;
  /** Uncompressed body bytes per request, separators included. */
  maxBytes: number;
}

/** "ndjson": one record per line. "array": a JSON array. */
export type BodyFormat = "ndjson" | "array";

/** Body length of `count` records totalling `bytes`, with separators. */
export function bodyBytes(format: BodyFormat, count: number, bytes: number) {
  if (count === 0) return format === "array" ? 2 : 0;
  const separators = count - 1;
  return bytes + separators + (format === "array" ? 2 : 0);
}

export class BatchBuilder<K, I extends BatchItem<K> = BatchItem<K>> {
  #keys: K[] = [];
  #items: I[] = [];
  #local: Rejection<K>[] = [];
  #bytes = 0;
  #sequence = 0;

  constructor(
    readonly limits: BatchLimits,
    readonly format: BodyFormat,
  ) {}

  get size(): number {
    return this.#keys.length;
  }

  /** Whether adding an item of `bytes` would break the byte cap. */
  wouldOverflow(bytes: number): boolean {
    if (this.#items.length === 0) return false;
    const next = bodyBytes(
      this.format,
      this.#items.length + 1,
      this.#bytes + bytes,
    );
    return next > this.limits.maxBytes;
  }

  get full(): boolean {
    return this.#keys.length >= this.limits.maxRecords;
  }

  add(item: I): void {
    this.#keys.push(item.key);
    this.#items.push(item);
    this.#bytes += item.bytes;
  }

  reject(rejection: Rejection<K>): void {
    this.#keys.push(rejection.key);
    this.#local.push(rejection);
  }

  /** Hands over the batch built so far (undefined when empty). */
  take(): Batch<K, I> | undefined {
    if (this.#keys.length === 0) return undefined;
    const batch: Batch<K, I> = {
      sequence: this.#sequence++,
      keys: this.#keys,
      items: this.#items,
      local: this.#local,
    };
    this.#keys = [];
    this.#items = [];
    this.#local = [];
    this.#bytes = 0;
    return batch;
  }
}

const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** Writes the items into one request body. */
export function encodeBody<K>(
  items: readonly BatchItem<K>[],
  format: BodyFormat,
): Buffer {
  let total = 0;
  for (const item of items) total += item.bytes;
  const body = Buffer.allocUnsafe(bodyBytes(format, items.length, total));
  const separator = format === "array" ? COMMA : NEWLINE;

  let offset = 0;
  if (format === "array") body[offset++] = 0x5b; // [
  for (let i = 0; i < items.length; i++) {
    if (i > 0) body[offset++] = separator;
    offset += body.write(items[i]!.json, offset);
  }
  if (format === "array") body[offset++] = 0x5d; // ]
  return body;
}

/** Splits items in two halves of about equal byte size. */
export function splitByBytes<I extends BatchItem<unknown>>(
  items: readonly I[],
): [I[], I[]] {
  let total = 0;
  for (const item of items) total += item.bytes;
  let cut = 0;
  let running = 0;
  while (cut < items.length - 1 && running + items[cut]!.bytes <= total / 2) {
    running += items[cut]!.bytes;
    cut++;
  }
  cut = Math.max(1, cut);
  return [items.slice(0, cut), items.slice(cut)];
}
