/**
 * Stored events, kept compact so that a million of them fit in a few
 * hundred MB: each event is its UTF-8 JSON written into large shared
 * buffers, located by three typed-array slots; the de-dup index maps a
 * 64-bit hash of (project, event, distinct_id, time-ms, $insert_id) to the
 * slot, and a resend overwrites the slot with the latest copy (spec §3.5).
 * No parsed object outlives a request.
 */
import { createHash } from "node:crypto";
import { DedupIndex } from "./dedup-index.ts";

/** A 64-bit de-dup key as two unsigned 32-bit halves. */
export interface DedupKey {
  hi: number;
  lo: number;
}

const CHUNK_BYTES = 16 * 1024 * 1024;

function grow<T extends Uint32Array>(array: T, size: number): T {
  if (size <= array.length) return array;
  const next = new Uint32Array(Math.max(size, array.length * 2)) as T;
  next.set(array);
  return next;
}

/** The de-dup key of an event within a project (spec §3.5). */
export function dedupKey(
  project: string,
  event: string,
  distinctId: string,
  timeMs: number,
  insertId: string,
): DedupKey {
  const digest = createHash("sha1")
    .update(`${project}\u0000${event}\u0000${distinctId}\u0000`)
    .update(`${timeMs}\u0000${insertId}`)
    .digest();
  return { hi: digest.readUInt32LE(0), lo: digest.readUInt32LE(4) };
}

export class EventStore {
  private chunks: Buffer[] = [];
  private used = CHUNK_BYTES;
  private chunkOf = new Uint32Array(1024);
  private offsetOf = new Uint32Array(1024);
  private lengthOf = new Uint32Array(1024);
  private index = new DedupIndex();
  private size = 0;
  private duplicateCount = 0;

  /** Events stored after de-dup. */
  get count(): number {
    return this.size;
  }

  /** Resends that replaced an event already stored. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /**
   * Stores one event's JSON. With a key, an event already stored under it
   * is replaced (latest wins) and the call returns "duplicate".
   */
  put(key: DedupKey | null, json: string): "stored" | "duplicate" {
    const existing = key === null ? undefined : this.index.get(key.hi, key.lo);
    const slot = existing ?? this.size;
    if (existing === undefined) {
      this.size += 1;
      this.chunkOf = grow(this.chunkOf, this.size);
      this.offsetOf = grow(this.offsetOf, this.size);
      this.lengthOf = grow(this.lengthOf, this.size);
      if (key !== null) this.index.add(key.hi, key.lo, slot);
    } else {
      this.duplicateCount += 1;
    }
    this.write(slot, json);
    return existing === undefined ? "stored" : "duplicate";
  }

  private write(slot: number, json: string): void {
    const length = Buffer.byteLength(json);
    if (this.used + length > (this.chunks.at(-1)?.length ?? 0)) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length)));
      this.used = 0;
    }
    const chunk = this.chunks.length - 1;
    this.chunks[chunk]!.write(json, this.used, "utf8");
    this.chunkOf[slot] = chunk;
    this.offsetOf[slot] = this.used;
    this.lengthOf[slot] = length;
    this.used += length;
  }

  /** The JSON bytes of the event in `slot` (a view, not a copy). */
  bytes(slot: number): Buffer {
    const start = this.offsetOf[slot]!;
    const chunk = this.chunks[this.chunkOf[slot]!]!;
    return chunk.subarray(start, start + this.lengthOf[slot]!);
  }

  /** Every stored event as parsed JSON, oldest slot first. */
  *parsed(): IterableIterator<Record<string, unknown>> {
    for (let slot = 0; slot < this.size; slot++) {
      yield JSON.parse(this.bytes(slot).toString("utf8"));
    }
  }

  /** NDJSON in pieces of about `pieceBytes`, for streaming responses. */
  *ndjson(pieceBytes = 1024 * 1024): IterableIterator<Buffer> {
    const newline = Buffer.from("\n");
    let parts: Buffer[] = [];
    let bytes = 0;
    for (let slot = 0; slot < this.size; slot++) {
      const json = this.bytes(slot);
      parts.push(json, newline);
      bytes += json.length + 1;
      if (bytes >= pieceBytes) {
        yield Buffer.concat(parts, bytes);
        parts = [];
        bytes = 0;
      }
    }
    if (bytes > 0) yield Buffer.concat(parts, bytes);
  }

  clear(): void {
    this.chunks = [];
    this.used = CHUNK_BYTES;
    this.index.clear();
    this.size = 0;
    this.duplicateCount = 0;
  }
}
