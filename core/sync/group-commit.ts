/**
 * Serialised state writes with group commit. Acknowledgements arrive from
 * several requests at once; each asks for its state to be written before
 * it returns (so a sender slot frees only once its batch is durable). One
 * write runs at a time; requests arriving meanwhile share the next one, so
 * a slow store means fewer, bigger writes rather than a queue.
 */
export class GroupCommit {
  readonly #cycle: () => Promise<void>;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  /**
   * @param cycle writes everything pending; it must take the pending work
   *   synchronously, before its first await
   */
  constructor(cycle: () => Promise<void>) {
    this.#cycle = cycle;
  }

  /** Resolves once everything pending at the time of the call is written. */
  flush(): Promise<void> {
    if (this.#queued) return this.#queued;
    const previous = this.#running ?? Promise.resolve();
    const next: Promise<void> = previous
      .catch(() => {})
      .then(() => {
        this.#queued = undefined;
        this.#running = next;
        return this.#cycle();
      })
      .finally(() => {
        if (this.#running === next) this.#running = undefined;
      });
    this.#queued = next;
    return next;
  }
}
