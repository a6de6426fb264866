/**
 * The de-dup index: 64-bit event keys → store slots, in one open-addressing
 * table of typed arrays (12 bytes a cell, at most half full), so a million
 * keys take about 24 MiB and no JS object at all. A 64-bit key from a
 * cryptographic hash makes a collision among a billion events unlikely
 * (about 3 %), and among the millions an emulator holds, negligible.
 */
const EMPTY = 0;

export class DedupIndex {
  // Per cell: high and low halves of the key, and slot + 1 (0 = empty).
  private cells = new Uint32Array(3 * 1024);
  private used = 0;

  private get capacity(): number {
    return this.cells.length / 3;
  }

  private find(hi: number, lo: number): number {
    const mask = this.capacity - 1;
    let cell = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const at = cell * 3;
      if (this.cells[at + 2] === EMPTY) return cell;
      if (this.cells[at] === hi && this.cells[at + 1] === lo) return cell;
      cell = (cell + 1) & mask;
    }
  }

  /** The slot stored under the key, or undefined. */
  get(hi: number, lo: number): number | undefined {
    const at = this.find(hi, lo) * 3;
    const slot = this.cells[at + 2]!;
    return slot === EMPTY ? undefined : slot - 1;
  }

  /** Stores `slot` under a key not yet present. */
  add(hi: number, lo: number, slot: number): void {
    if ((this.used + 1) * 2 > this.capacity) this.grow();
    const at = this.find(hi, lo) * 3;
    this.cells[at] = hi;
    this.cells[at + 1] = lo;
    this.cells[at + 2] = slot + 1;
    this.used += 1;
  }

  private grow(): void {
    const old = this.cells;
    this.cells = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 3) {
      if (old[at + 2] === EMPTY) continue;
      const cell = this.find(old[at]!, old[at + 1]!) * 3;
      this.cells.set(old.subarray(at, at + 3), cell);
    }
  }

  clear(): void {
    this.cells = new Uint32Array(3 * 1024);
    this.used = 0;
  }
}
