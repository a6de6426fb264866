/**
 * The pipelined sender: records go in one at a time, batches go out several
 * at once, and each batch's fate comes back through `onBatch`.
 *
 * Invariants:
 * 1. Batches get sequence numbers in push order; acks may arrive in any
 *    order, so a caller advances a checkpoint only over a contiguous prefix
 *    of acknowledged sequences.
 * 2. At most `concurrency` batches are in flight. `push` waits for a free
 *    slot only when it has to hand over a full batch, so memory stays at
 *    about (concurrency + 1) × batch size whatever the input size.
 * 3. The first failure (retries exhausted, bad credentials, an `onBatch`
 *    that threw) aborts the batches still in flight and makes every later
 *    `push` and `flush` reject with it. Batches acknowledged before that
 *    were reported; the rest were not, and a resend is harmless.
 */
import { setMaxListeners } from "node:events";

import { LIMITS, type Violation } from "./rules.ts";
import {
  BatchBuilder,
  BufferPool,
  type Batch,
  type BatchLimits,
  type Part,
} from "./batching.ts";
import type { DeliveryOutcome } from "./delivery.ts";
import { abortError, type TransportCounters } from "./transport.ts";
import type { BatchAck, SenderStats } from "./types.ts";
import type { BodyFormat } from "./batching.ts";
import type { JsonBytes } from "./json-bytes.ts";

/** A record ready to send, or the rule it breaks. */
export type Prepared =
  { json: string; bytes: number; idempotent: boolean } | Violation;

export interface SenderOptions<K> {
  /** Called once per batch when its outcome is known; awaited. */
  onBatch?: (ack: BatchAck<K>) => void | Promise<void>;
  /** Aborts the sender (as `abort()` does). */
  signal?: AbortSignal;
}

export interface SenderParts<K> {
  limits: BatchLimits;
  format: BodyFormat;
  concurrency: number;
  prepare: (record: unknown) => Prepared;
  deliver: (
    part: Part<K>,
    idempotent: boolean,
    signal: AbortSignal,
    counters: TransportCounters,
  ) => Promise<DeliveryOutcome<K>>;
}

export class MixpanelSender<R, K> {
  readonly #parts: SenderParts<K>;
  readonly #onBatch: SenderOptions<K>["onBatch"];
  readonly #builder: BatchBuilder<K>;
  readonly #pool: BufferPool;
  readonly #controller = new AbortController();
  readonly #pending = new Set<Promise<void>>();
  readonly #waiters: Array<() => void> = [];
  #inFlight = 0;
  #failure: Error | undefined;
  readonly #counters: TransportCounters = {
    requests: 0,
    retries: 0,
    bytes: 0,
    wireBytes: 0,
  };
  #batches = 0;
  #delivered = 0;
  #rejected = 0;

  constructor(parts: SenderParts<K>, options: SenderOptions<K> = {}) {
    this.#parts = parts;
    this.#onBatch = options.onBatch;
    // One buffer per batch in flight, the one being built and a spare,
    // each a whole batch plus a record that may have to leave it.
    this.#pool = new BufferPool(
      parts.concurrency + 2,
      parts.limits.maxBytes + LIMITS.maxEventBytes + 2,
    );
    // Every request in flight listens for an abort on this one signal.
    setMaxListeners(parts.concurrency * 2 + 10, this.#controller.signal);
    this.#builder = new BatchBuilder<K>(parts.limits, parts.format, this.#pool);
    const external = options.signal;
    if (external?.aborted) this.#abortWith(abortError(external));
    external?.addEventListener(
      "abort",
      () => this.#abortWith(abortError(external)),
      { once: true },
    );
  }

  /**
   * Adds one record under the caller's `key`. Resolves at once unless a
   * full batch must wait for a free request slot (backpressure).
   *
   * Note: await each push before the next to keep keys in push order.
   */
  async push(record: R, key: K): Promise<void> {
    if (this.#failure) throw this.#failure;
    const prepared = this.#parts.prepare(record);
    if ("json" in prepared) {
      if (this.#builder.wouldOverflow(prepared.bytes)) await this.#dispatch();
      this.#builder.add(
        key,
        prepared.json,
        prepared.bytes,
        prepared.idempotent,
      );
    } else {
      this.#builder.reject({
        key,
        field: prepared.field,
        message: prepared.message,
        source: "local",
      });
    }
    if (this.#builder.full) await this.#dispatch();
  }

  /**
   * Where the fast path of the sync engine writes its next record: the
   * end of the batch being built. Write a record that is already known to
   * pass the rules, then `commitJson`; to drop it, set `out.pos` back.
   */
  get out(): JsonBytes {
    return this.#builder.out;
  }

  /**
   * Takes the record written into `out` since `start` (UTF-8 JSON, not
   * checked again) into the batch.
   * @returns a promise only when a full batch must wait for a free
   *   request slot (backpressure); undefined when the caller may go on
   */
  commitJson(start: number, key: K): Promise<void> | undefined {
    if (this.#failure) throw this.#failure;
    const builder = this.#builder;
    const out = builder.out;
    if (builder.wouldOverflow(out.pos - start, start)) {
      // The record starts the next batch: it leaves this one first.
      const record = Buffer.from(out.buf.subarray(start, out.pos));
      out.pos = start;
      return this.#dispatch().then(() => {
        builder.addBytes(key, record, 0, record.length);
        if (builder.full) return this.#dispatch();
      });
    }
    builder.commit(key, start);
    return builder.full ? this.#dispatch() : undefined;
  }

  /** Sends what is buffered and waits for every batch to be acknowledged. */
  async flush(): Promise<SenderStats> {
    if (this.#failure) throw this.#failure;
    await this.#dispatch();
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    if (this.#failure) throw this.#failure;
    return this.stats;
  }

  /** Stops sending: in-flight requests are cancelled, buffers dropped. */
  async abort(reason: unknown = "sender aborted"): Promise<void> {
    const signal = AbortSignal.abort(reason);
    this.#abortWith(abortError(signal));
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  get stats(): SenderStats {
    return {
      batches: this.#batches,
      delivered: this.#delivered,
      rejected: this.#rejected,
      ...this.#counters,
    };
  }

  #abortWith(error: Error) {
    if (this.#failure) return;
    this.#failure = error;
    this.#controller.abort(error);
  }

  async #dispatch(): Promise<void> {
    const batch = this.#builder.take();
    if (!batch) return;
    await this.#acquire();
    if (this.#failure) {
      this.#release();
      throw this.#failure;
    }
    const run = this.#run(batch).finally(() => {
      this.#pending.delete(run);
      this.#pool.give(batch.part.data);
      this.#release();
    });
    this.#pending.add(run);
  }

  /** Never rejects: a failure is recorded and surfaces via push/flush. */
  async #run(batch: Batch<K>): Promise<void> {
    try {
      const outcome =
        batch.part.keys.length === 0
          ? { delivered: [], rejected: [] }
          : await this.#parts.deliver(
              batch.part,
              batch.idempotent,
              this.#controller.signal,
              this.#counters,
            );
      const ack: BatchAck<K> = {
        sequence: batch.sequence,
        keys: batch.keys,
        delivered: outcome.delivered,
        rejected: [...batch.local, ...outcome.rejected],
      };
      this.#batches++;
      this.#delivered += ack.delivered.length;
      this.#rejected += ack.rejected.length;
      await this.#onBatch?.(ack);
    } catch (error) {
      this.#abortWith(
        error instanceof Error ? error : new Error(String(error)),
      );
    }
  }

  /** Takes a request slot, queueing in FIFO order when all are busy. */
  #acquire(): Promise<void> {
    if (this.#inFlight < this.#parts.concurrency) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Hands the slot to the next waiter, or frees it. */
  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#inFlight--;
  }
}
