/**
 * The stored profile hashes of a task during a full read, kept off the
 * garbage-collected heap. Keys are UTF-16 code units in one growing
 * Uint16Array, found through an open-addressing table of slot numbers;
 * hashes and "seen" flags sit in typed arrays beside them.
 *
 * Why not a Map of strings: a million keys as strings and Map entries are
 * some 80 MB of heap objects that every full collection traces, and V8
 * sizes the old generation as a multiple of what it finds live, so the
 * whole re-sync's garbage was allowed to pile up to four times that.
 * Typed arrays are one object each, whatever their length.
 */

/** Slots, then table entries, start at this many and double. */
const INITIAL = 1024;

/** The table is at most half full: probes stay short. */
const LOAD = 0.5;

export class HashIndex {
  #size = 0;
  /** Key code units, slot after slot. */
  #chars = new Uint16Array(INITIAL * 16);
  #used = 0;
  /** Per slot: where its key starts in `#chars`, and its length. */
  #starts = new Float64Array(INITIAL);
  #lengths = new Uint32Array(INITIAL);
  /** Per slot: the key's 32-bit hash, its stored hash, whether seen. */
  #keyHashes = new Int32Array(INITIAL);
  #hashes = new Float64Array(INITIAL);
  #seen = new Uint8Array(INITIAL);
  /** Open addressing: slot + 1 per entry, 0 for empty. */
  #table = new Int32Array(INITIAL * 2);

  get size(): number {
    return this.#size;
  }

  /** Adds a stored hash (NaN: invalidated, always differs). */
  add(key: string, hash: number): void {
    const keyHash = hashKey(key);
    const found = this.#find(key, keyHash);
    if (found >= 0) {
      this.#hashes[found] = hash;
      return;
    }

    const slot = this.#size;
    if (slot === this.#starts.length) this.#growSlots();
    if (this.#used + key.length > this.#chars.length) {
      this.#growChars(this.#used + key.length);
    }
    for (let i = 0; i < key.length; i++) {
      this.#chars[this.#used + i] = key.charCodeAt(i);
    }
    this.#starts[slot] = this.#used;
    this.#lengths[slot] = key.length;
    this.#used += key.length;
    this.#keyHashes[slot] = keyHash;
    this.#hashes[slot] = hash;
    this.#size = slot + 1;

    if (this.#size > this.#table.length * LOAD) this.#rehash();
    else this.#place(slot);
  }

  /**
   * The stored hash of a key that the source returned, marking it seen.
   * @returns undefined for a profile this task never sent
   */
  take(key: string): number | undefined {
    const slot = this.#find(key, hashKey(key));
    if (slot < 0) return undefined;
    this.#seen[slot] = 1;
    return this.#hashes[slot];
  }

  /** Keys the source did not return (mirror mode's deletions). */
  unseen(): string[] {
    const keys: string[] = [];
    for (let slot = 0; slot < this.#size; slot++) {
      if (this.#seen[slot] === 0) keys.push(this.#keyOf(slot));
    }
    return keys;
  }

  /** The slot of `key`, or -1. */
  #find(key: string, keyHash: number): number {
    const mask = this.#table.length - 1;
    for (let at = keyHash & mask; ; at = (at + 1) & mask) {
      const entry = this.#table[at]!;
      if (entry === 0) return -1;
      const slot = entry - 1;
      if (this.#keyHashes[slot] === keyHash && this.#equals(slot, key)) {
        return slot;
      }
    }
  }

  #equals(slot: number, key: string): boolean {
    if (this.#lengths[slot] !== key.length) return false;
    const start = this.#starts[slot]!;
    for (let i = 0; i < key.length; i++) {
      if (this.#chars[start + i] !== key.charCodeAt(i)) return false;
    }
    return true;
  }

  #keyOf(slot: number): string {
    const start = this.#starts[slot]!;
    const units = this.#chars.subarray(start, start + this.#lengths[slot]!);
    // Decoded in pieces: one call with a huge key could overflow the stack.
    let key = "";
    for (let i = 0; i < units.length; i += 4096) {
      key += String.fromCharCode(...units.subarray(i, i + 4096));
    }
    return key;
  }

  #place(slot: number): void {
    const mask = this.#table.length - 1;
    let at = this.#keyHashes[slot]! & mask;
    while (this.#table[at] !== 0) at = (at + 1) & mask;
    this.#table[at] = slot + 1;
  }

  #rehash(): void {
    this.#table = new Int32Array(this.#table.length * 2);
    for (let slot = 0; slot < this.#size; slot++) this.#place(slot);
  }

  #growSlots(): void {
    const n = this.#starts.length * 2;
    this.#starts = grown(this.#starts, new Float64Array(n));
    this.#lengths = grown(this.#lengths, new Uint32Array(n));
    this.#keyHashes = grown(this.#keyHashes, new Int32Array(n));
    this.#hashes = grown(this.#hashes, new Float64Array(n));
    this.#seen = grown(this.#seen, new Uint8Array(n));
  }

  #growChars(needed: number): void {
    let n = this.#chars.length * 2;
    while (n < needed) n *= 2;
    this.#chars = grown(this.#chars, new Uint16Array(n));
  }
}

function grown<T extends { set(from: T): void }>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** A 32-bit hash of a key's code units: FNV-1a, then a final mix. */
function hashKey(key: string): number {
  let h = 0x811c9dc5 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return h ^ (h >>> 16);
}
