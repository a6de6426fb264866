/**
 * Pacing of one Mixpanel connection below the project's ingestion cap
 * (mixpanel-api.md: about 30,000 events/s or 2 GB of JSON per minute),
 * so that requests in flight never add up to 429s: a token bucket on
 * records and one on uncompressed bytes, taken before each request.
 *
 * A request waits until both buckets hold its share; buckets refill at
 * their rate up to `burstSeconds` of it, and a request larger than a
 * whole bucket passes once the bucket is full and leaves it in debt.
 * Requests pass in the order they asked.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface RateLimit {
  /** Records (events, profile updates) per second. */
  eventsPerSecond?: number;
  /** Uncompressed body bytes per second. */
  bytesPerSecond?: number;
  /** Seconds of rate a bucket holds when full (default: 1). */
  burstSeconds?: number;
}

/** Mixpanel's documented cap of one project, for its own hosts. */
export const MIXPANEL_CAP: Required<RateLimit> = Object.freeze({
  eventsPerSecond: 30_000,
  bytesPerSecond: 2e9 / 60,
  burstSeconds: 1,
});

class Bucket {
  #tokens: number;
  #last: number;
  readonly #capacity: number;

  constructor(
    readonly rate: number,
    burstSeconds: number,
    private readonly clock: () => number,
  ) {
    this.#capacity = rate * burstSeconds;
    this.#tokens = this.#capacity;
    this.#last = clock();
  }

  /** Milliseconds until `amount` may be taken (0: now). */
  waitFor(amount: number): number {
    const now = this.clock();
    this.#tokens = Math.min(
      this.#capacity,
      this.#tokens + ((now - this.#last) / 1000) * this.rate,
    );
    this.#last = now;
    const needed = Math.min(amount, this.#capacity);
    if (this.#tokens >= needed) return 0;
    return Math.ceil(((needed - this.#tokens) / this.rate) * 1000);
  }

  take(amount: number): void {
    this.#tokens -= amount;
  }
}

/** Which amount of a request a bucket counts. */
type Measure = (records: number, bytes: number) => number;

export class IngestionLimiter {
  readonly #buckets: Array<{ bucket: Bucket; measure: Measure }> = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(limit: RateLimit, clock: () => number = Date.now) {
    const burst = limit.burstSeconds ?? 1;
    if (limit.eventsPerSecond) {
      this.#buckets.push({
        bucket: new Bucket(limit.eventsPerSecond, burst, clock),
        measure: (records) => records,
      });
    }
    if (limit.bytesPerSecond) {
      this.#buckets.push({
        bucket: new Bucket(limit.bytesPerSecond, burst, clock),
        measure: (_, bytes) => bytes,
      });
    }
  }

  /** Whether any bucket applies. */
  get active(): boolean {
    return this.#buckets.length > 0;
  }

  /**
   * Resolves once `records` records of `bytes` bytes may go out.
   * @throws the signal's reason when it aborts while waiting
   */
  take(records: number, bytes: number, signal: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(records, bytes, signal));
    // A turn that failed (aborted) must not block the ones after it.
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #wait(records: number, bytes: number, signal: AbortSignal) {
    for (;;) {
      signal.throwIfAborted();
      let wait = 0;
      for (const { bucket, measure } of this.#buckets) {
        wait = Math.max(wait, bucket.waitFor(measure(records, bytes)));
      }
      if (wait === 0) break;
      await sleep(wait, undefined, { signal });
    }
    for (const { bucket, measure } of this.#buckets) {
      bucket.take(measure(records, bytes));
    }
  }
}
