/**
 * Which data intervals of a DAG are due now: the catch-up policy, as a pure
 * function of the schedule, the clock and what the store already holds.
 *
 * A run for interval [a, b) is due once `now >= b` (Airflow semantics: an
 * interval is processed after it has ended). "Live" fire times are those
 * that came while this scheduler was ticking; "missed" ones came while no
 * scheduler ran, the host slept or the DAG was paused.
 *
 * Catch-up rule:
 * 1. Never before the cursor: only fire times after the end of the DAG's
 *    last scheduled interval count, so nothing runs twice and a schedule
 *    edit does not re-run old ticks (dagster#13597).
 * 2. Never before `startDate`: the first interval starts at the first fire
 *    time at or after it.
 * 3. Every live fire time is due: a slow tick never drops an interval.
 * 4. Missed fire times: with `catchup`, each one within `catchupWindowMs`
 *    of now; without, only the newest, and only when no live one came
 *    (Airflow 3's default, apache/airflow#47354). Catch-up needs a
 *    reference point (a cursor or a `startDate`); a DAG seen for the first
 *    time starts with its latest interval, not with a window of history.
 * 5. Each interval ends at its fire time and starts at the previous fire
 *    time, or at the cursor when the cursor is later (after a schedule
 *    edit), so intervals never overlap.
 * 6. At most `max` intervals, oldest first; the next tick continues from
 *    the new cursor.
 */
import type { CronSchedule, DataInterval } from "./cron-schedule.ts";

export interface DueInput {
  readonly schedule: CronSchedule;
  readonly now: Date;
  /** End of the DAG's last scheduled interval, if it has one. */
  readonly cursor: Date | undefined;
  /** Fire times after this came while this scheduler was ticking. */
  readonly liveSince: Date;
  readonly catchup: boolean;
  readonly catchupWindowMs: number;
  readonly startDate: Date | undefined;
  /** (default: 1000) */
  readonly max?: number;
}

const later = (a: Date | undefined, b: Date | undefined) =>
  a === undefined ? b : b === undefined || a > b ? a : b;

export function dueIntervals(input: DueInput): DataInterval[] {
  const { schedule, now, cursor, startDate } = input;
  const max = input.max ?? 1000;

  // 1–2. Fire times must come after `floor`.
  const firstStart = startDate
    ? schedule.next(new Date(startDate.getTime() - 1))
    : undefined;
  if (startDate && !firstStart) return [];
  const floor = later(cursor, firstStart);
  const liveSince = input.liveSince < now ? input.liveSince : now;

  // 3. Live fire times.
  const liveFrom = later(liveSince, floor)!;
  const live = schedule.fires(liveFrom, now, max);

  // 4. Missed fire times.
  let missed: Date[] = [];
  if (input.catchup && floor !== undefined) {
    const window = new Date(now.getTime() - input.catchupWindowMs);
    missed = schedule.fires(later(floor, window)!, liveSince, max);
  } else if (live.length === 0) {
    const newest = schedule.previous(liveSince);
    if (newest && (floor === undefined || newest > floor)) missed = [newest];
  }

  // 5–6.
  return [...missed, ...live].slice(0, max).map((end) => {
    const interval = schedule.intervalEnding(end);
    if (cursor && cursor > interval.start && cursor < end) {
      return { start: cursor, end };
    }
    return interval;
  });
}
