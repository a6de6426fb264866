/**
 * Where the scheduler reads "now". Every decision (which intervals are due,
 * whether a retry may start, whether a heartbeat is stale) compares times
 * from one clock, and every time the scheduler stores comes from it too.
 *
 * In production that clock is the database's: two scheduler processes on
 * hosts whose clocks disagree still agree on what is due, because both
 * read PostgreSQL's `now()` (the mixed-clock double fire of multica#4485).
 * Tests pin it.
 */
import type pg from "pg";

export interface Clock {
  now(): Date;
  /** Re-reads the reference time, if the clock has one (once per tick). */
  sync?(): Promise<void>;
}

/** The host's clock. */
export const systemClock: Clock = Object.freeze({ now: () => new Date() });

/** A clock that moves only when told to (tests). */
export interface PinnedClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function pinnedClock(at: Date | string): PinnedClock {
  let current = new Date(at).getTime();
  return {
    now: () => new Date(current),
    set: (next) => {
      current = new Date(next).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/**
 * The database's clock: its offset from the host is measured at each
 * `sync`, and `now()` applies it to the host's monotonic progress.
 */
export function databaseClock(pool: pg.Pool): Clock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    async sync() {
      const sent = Date.now();
      const { rows } = await pool.query<{ now: Date }>(
        "select clock_timestamp() as now",
      );
      const received = Date.now();
      // The server read its clock about halfway through the round trip.
      offset = rows[0]!.now.getTime() - (sent + received) / 2;
    },
  };
}
