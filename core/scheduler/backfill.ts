/**
 * Runs asked for by hand: a backfill of past intervals, and a manual
 * trigger. Both only create queued runs; a running scheduler executes them
 * (backfill runs within `maxActiveRuns`, manual runs at once).
 */
import type { DagRun } from "../store/records.ts";
import type { CronSchedule, DataInterval } from "./cron-schedule.ts";
import { createManualRun, createRuns, existingRuns } from "./run-queue.ts";
import type { Queryable } from "./transaction.ts";

/**
 * The schedule's intervals inside [from, to]: each starts at or after
 * `from` and ends at or before `to`, as the schedule would have made them.
 */
export function backfillIntervals(
  schedule: CronSchedule,
  from: Date,
  to: Date,
  max = 10_000,
): DataInterval[] {
  const first = schedule.next(new Date(from.getTime() - 1));
  if (!first || first > to) return [];
  const ends = schedule.fires(first, to, max);
  return ends.map((end, i) => ({ start: i === 0 ? first : ends[i - 1]!, end }));
}

export interface BackfillResult {
  /** Runs this call created. */
  readonly created: DagRun[];
  /** Intervals that already had a run (scheduled or backfill), kept. */
  readonly existing: DagRun[];
}

/** Creates a backfill run per interval that has no run yet. */
export async function createBackfill(
  db: Queryable,
  dagId: string,
  intervals: readonly DataInterval[],
  now: Date,
): Promise<BackfillResult> {
  const created = await createRuns(db, dagId, "backfill", intervals, now);
  const made = new Set(created.map((r) => r.id));
  const existing = (await existingRuns(db, dagId, intervals)).filter(
    (r) => !made.has(r.id),
  );
  return { created, existing };
}

/**
 * The data interval of a manual run: the schedule's latest complete
 * interval, or the instant `now` for a DAG without a schedule.
 */
export function manualInterval(
  schedule: CronSchedule | undefined,
  now: Date,
): DataInterval {
  const end = schedule?.previous(now);
  return end ? schedule!.intervalEnding(end) : { start: now, end: now };
}

/** Queues a manual run; it never takes a scheduled interval's place. */
export function triggerRun(
  db: Queryable,
  dagId: string,
  schedule: CronSchedule | undefined,
  now: Date,
): Promise<DagRun> {
  return createManualRun(db, dagId, manualInterval(schedule, now), now);
}
