/**
 * The contiguous finished prefix of a stream of rows.
 *
 * Rows are numbered in read order (`assign`). A row is finished when its
 * fate is durable: Mixpanel acknowledged every record made from it, or its
 * rejection was stored, or it needed no sending. Rows finish in any order,
 * because batches are acknowledged out of order; the checkpoint may only
 * move to the last row of the prefix in which every row is finished, so a
 * crash can never skip a row that was still in flight.
 *
 * Memory is one small range per gap in the finished set, which is bounded
 * by the rows in flight, not by the rows read.
 */

interface Range<P> {
  /** First index of the range. */
  start: number;
  /** One past its last index. */
  end: number;
  /** Position of the last row in the range that has one. */
  position: P | undefined;
}

export class PrefixTracker<P> {
  #next = 0;
  #low = 0;
  #position: P | undefined;
  /** Finished rows past the prefix: sorted, disjoint, never adjacent. */
  readonly #ranges: Range<P>[] = [];

  constructor(initial?: P) {
    this.#position = initial;
  }

  /** Numbers the next row. */
  assign(): number {
    return this.#next++;
  }

  /** Where the finished prefix ends (the initial position before any). */
  get position(): P | undefined {
    return this.#position;
  }

  /** Rows numbered but not yet inside the finished prefix. */
  get pending(): number {
    return this.#next - this.#low;
  }

  /**
   * Marks row `index` finished. `position` is where a checkpoint stands
   * once the prefix includes the row (undefined: the row moves nothing,
   * e.g. a row without a cursor).
   * @returns whether the prefix grew
   */
  finish(index: number, position: P | undefined): boolean {
    if (index < this.#low || index >= this.#next) return false;
    if (index === this.#low) {
      this.#low++;
      if (position !== undefined) this.#position = position;
      const first = this.#ranges[0];
      if (first && first.start === this.#low) {
        this.#ranges.shift();
        this.#low = first.end;
        if (first.position !== undefined) this.#position = first.position;
      }
      return true;
    }
    this.#insert(index, position);
    return false;
  }

  #insert(index: number, position: P | undefined): void {
    const ranges = this.#ranges;
    // The last range whose start is at or before `index`.
    let lo = 0;
    let hi = ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.start <= index) lo = mid + 1;
      else hi = mid - 1;
    }
    const before = ranges[hi];
    const after = ranges[hi + 1];
    if (before && index < before.end) return; // already finished

    if (before && before.end === index) {
      before.end++;
      if (position !== undefined) before.position = position;
      if (after && after.start === before.end) {
        before.end = after.end;
        if (after.position !== undefined) before.position = after.position;
        ranges.splice(hi + 1, 1);
      }
    } else if (after && after.start === index + 1) {
      after.start = index;
      after.position ??= position;
    } else {
      ranges.splice(hi + 1, 0, { start: index, end: index + 1, position });
    }
  }
}
