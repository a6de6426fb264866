/**
 * The stored profile hashes of a task during a full read: key → slot in a
 * Map of small integers, hashes and "seen" flags in typed arrays. A
 * million profiles cost the keys, the Map and 9 MB of arrays, and nothing
 * here is a heap object the garbage collector has to trace per profile.
 */
export class HashIndex {
  readonly #slots = new Map<string, number>();
  #hashes = new Float64Array(1024);
  #seen = new Uint8Array(1024);

  get size(): number {
    return this.#slots.size;
  }

  /** Adds a stored hash (NaN: invalidated, always differs). */
  add(key: string, hash: number): void {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = this.#slots.size;
      if (slot === this.#hashes.length) this.#grow();
      this.#slots.set(key, slot);
    }
    this.#hashes[slot] = hash;
  }

  /**
   * The stored hash of a key that the source returned, marking it seen.
   * @returns undefined for a profile this task never sent
   */
  take(key: string): number | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#seen[slot] = 1;
    return this.#hashes[slot];
  }

  /** Keys the source did not return (mirror mode's deletions). */
  unseen(): string[] {
    const keys: string[] = [];
    for (const [key, slot] of this.#slots) {
      if (this.#seen[slot] === 0) keys.push(key);
    }
    return keys;
  }

  #grow(): void {
    const hashes = new Float64Array(this.#hashes.length * 2);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const seen = new Uint8Array(this.#seen.length * 2);
    seen.set(this.#seen);
    this.#seen = seen;
  }
}
