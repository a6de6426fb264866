/**
 * When a DAG runs next, by the scheduler's own cron arithmetic: the first
 * fire time after now (and not before the DAG's start date). A scheduled
 * run is created at its fire time, the end of its data interval.
 */
import { errorMessage } from "../errors.ts";
import { CronSchedule } from "../scheduler/cron-schedule.ts";

export interface NextRun {
  readonly at: Date | null;
  readonly error: string | null;
}

export function nextRunOf(
  schedule: string | null,
  timezone: string,
  startDate: string | null,
  now: Date,
): NextRun {
  if (!schedule) return { at: null, error: null };
  try {
    const cron = new CronSchedule(schedule, timezone);
    const start = startDate ? new Date(startDate) : undefined;
    const after =
      start && start.getTime() - 1 > now.getTime()
        ? new Date(start.getTime() - 1)
        : now;
    return { at: cron.next(after) ?? null, error: null };
  } catch (error) {
    return { at: null, error: errorMessage(error) };
  }
}
