/**
 * A token bucket over records per second, for the emulator's rate-limit
 * mode. A request larger than the whole bucket passes once the bucket is
 * full and leaves it in debt, so big batches are slowed, never starved.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly capacity: number,
    private readonly clock: () => number,
  ) {
    this.tokens = capacity;
    this.last = clock();
  }

  /**
   * Takes `records` tokens. Returns 0 when granted, otherwise the whole
   * seconds to wait before the request could pass.
   */
  take(records: number): number {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(
      this.capacity,
      this.tokens + elapsed * this.perSecond,
    );
    this.last = now;

    const needed = Math.min(records, this.capacity);
    if (this.tokens >= needed) {
      this.tokens -= records;
      return 0;
    }
    return Math.max(1, Math.ceil((needed - this.tokens) / this.perSecond));
  }
}
