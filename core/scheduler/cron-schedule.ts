/**
 * A DAG's schedule: a cron expression read in an IANA zone, and the fire
 * times it produces as UTC instants.
 *
 * Fields come from node-cron's parser (5 fields, or 6 with seconds first;
 * names, ranges, steps, presets, `L`, `W`, `#`), so what the builder
 * validates is exactly what runs. The time arithmetic is ours:
 * - Day of month and day of week combine as in crontab(5) and Airflow:
 *   when both are restricted a day matching either fires; otherwise the
 *   restricted one decides. A field listing every value counts as
 *   unrestricted.
 * - DST follows `instantOf` in zone-time.ts: a time inside a spring gap
 *   fires at the moment the clocks jumped, a time in the repeated autumn
 *   hour fires once, at its first occurrence.
 * - `next` and `previous` are exact inverses over one sequence: `previous`
 *   is computed from `next`, so every data interval `[previous, next)`
 *   tiles time with no gap and no overlap.
 * - Every search is bounded (9 years), so an expression that matches
 *   rarely or never cannot spin (node-cron#492).
 */
import { parse } from "node-cron";

import { BackflowError } from "../errors.ts";
import { floorSecond, instantOf, naiveOf } from "./zone-time.ts";

const SECOND = 1000;
const DAY = 86_400_000;
const HORIZON = 9 * 366 * DAY;

/** A schedule the scheduler cannot compute fire times for. */
export class ScheduleError extends BackflowError {
  constructor(message: string) {
    super("SCHEDULE_INVALID", message);
  }
}

/** A data interval: start inclusive, end exclusive. */
export interface DataInterval {
  readonly start: Date;
  readonly end: Date;
}

type DayRule = (year: number, month: number, day: number) => boolean;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday (Mon–Fri) of the month nearest to `day`. */
function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysIn(year, month);
  const wd = weekday(year, month, day);
  if (wd === 6) return day === 1 ? 3 : day - 1;
  if (wd === 0) return day === last ? day - 2 : day + 1;
  return day;
}

function domRule(token: string, expression: string): DayRule {
  if (token === "L") return (y, m, d) => d === daysIn(y, m);
  if (token === "LW") {
    return (y, m, d) => d === nearestWeekday(y, m, daysIn(y, m));
  }
  const offset = /^L-(\d+)$/.exec(token);
  if (offset) return (y, m, d) => d === daysIn(y, m) - Number(offset[1]);
  const near = /^(\d+)W$/.exec(token);
  if (near) {
    const n = Number(near[1]);
    return (y, m, d) => n <= daysIn(y, m) && d === nearestWeekday(y, m, n);
  }
  throw new ScheduleError(
    `schedule "${expression}": day-of-month "${token}" is not supported`,
  );
}

function dowRule(token: string, expression: string): DayRule {
  const last = /^([0-7])L$/.exec(token);
  if (last) {
    const wd = Number(last[1]) % 7;
    return (y, m, d) => weekday(y, m, d) === wd && d + 7 > daysIn(y, m);
  }
  const nth = /^([0-7])#([1-5])$/.exec(token);
  if (nth) {
    const wd = Number(nth[1]) % 7;
    const k = Number(nth[2]);
    return (y, m, d) => weekday(y, m, d) === wd && Math.ceil(d / 7) === k;
  }
  throw new ScheduleError(
    `schedule "${expression}": day-of-week "${token}" is not supported`,
  );
}

/** Sorted numbers of a field; strings are the special day tokens. */
function split(values: readonly (number | string)[]) {
  const numbers = values.filter((v): v is number => typeof v === "number");
  const tokens = values.filter((v): v is string => typeof v === "string");
  return { numbers: [...new Set(numbers)].sort((a, b) => a - b), tokens };
}

/** The first value of a sorted list at or above `from`. */
function atOrAbove(sorted: readonly number[], from: number) {
  return sorted.find((v) => v >= from);
}

export class CronSchedule {
  readonly expression: string;
  readonly timezone: string;
  readonly #seconds: number[];
  readonly #minutes: number[];
  readonly #hours: number[];
  readonly #months: Set<number>;
  readonly #day: DayRule;

  /** @throws ScheduleError naming the expression and what is wrong */
  constructor(expression: string, timezone = "UTC") {
    this.expression = expression;
    this.timezone = timezone;
    let fields: ReturnType<typeof parse>;
    try {
      fields = parse(expression.trim());
    } catch (error) {
      throw new ScheduleError(
        `schedule "${expression}" is not a valid cron expression: ` +
          `${(error as Error).message} (e.g. "*/15 * * * *" or "@daily")`,
      );
    }
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      throw new ScheduleError(`unknown timezone "${timezone}"`);
    }
    this.#seconds = split(fields.second).numbers;
    this.#minutes = split(fields.minute).numbers;
    this.#hours = split(fields.hour).numbers;
    this.#months = new Set(split(fields.month).numbers);

    const dom = split(fields.dayOfMonth);
    const dow = split(fields.dayOfWeek);
    const weekdays = new Set(dow.numbers.map((d) => d % 7));
    const domRules = dom.tokens.map((t) => domRule(t, expression));
    const dowRules = dow.tokens.map((t) => dowRule(t, expression));
    const domMatch: DayRule = (y, m, d) =>
      dom.numbers.includes(d) || domRules.some((rule) => rule(y, m, d));
    const dowMatch: DayRule = (y, m, d) =>
      weekdays.has(weekday(y, m, d)) || dowRules.some((r) => r(y, m, d));
    const domRestricted = dom.tokens.length > 0 || dom.numbers.length < 31;
    const dowRestricted = dow.tokens.length > 0 || weekdays.size < 7;
    this.#day =
      domRestricted && dowRestricted
        ? (y, m, d) => domMatch(y, m, d) || dowMatch(y, m, d)
        : (y, m, d) => domMatch(y, m, d) && dowMatch(y, m, d);
  }

  /** The first matching wall-clock time strictly after `naive`. */
  #nextNaive(naive: number, limit: number): number | undefined {
    const d = new Date(floorSecond(naive) + SECOND);
    const nextDay = () => d.setUTCHours(24, 0, 0, 0);
    while (d.getTime() <= limit) {
      const year = d.getUTCFullYear();
      const month = d.getUTCMonth() + 1;
      if (!this.#months.has(month)) {
        d.setUTCMonth(month, 1);
        d.setUTCHours(0, 0, 0, 0);
        continue;
      }
      if (!this.#day(year, month, d.getUTCDate())) {
        nextDay();
        continue;
      }
      const hour = atOrAbove(this.#hours, d.getUTCHours());
      if (hour === undefined) {
        nextDay();
        continue;
      }
      if (hour !== d.getUTCHours()) {
        d.setUTCHours(hour, 0, 0, 0);
        continue;
      }
      const minute = atOrAbove(this.#minutes, d.getUTCMinutes());
      if (minute === undefined) {
        d.setUTCHours(hour + 1, 0, 0, 0);
        continue;
      }
      if (minute !== d.getUTCMinutes()) {
        d.setUTCMinutes(minute, 0, 0);
        continue;
      }
      const second = atOrAbove(this.#seconds, d.getUTCSeconds());
      if (second === undefined) {
        d.setUTCMinutes(minute + 1, 0, 0);
        continue;
      }
      d.setUTCSeconds(second, 0);
      return d.getTime();
    }
    return undefined;
  }

  /** The first fire time strictly after `after` (none within 9 years). */
  next(after: Date): Date | undefined {
    const t = after.getTime();
    const limit = naiveOf(t, this.timezone) + HORIZON;
    let naive = naiveOf(t, this.timezone);
    // Candidates are rejected only while `t` lies in the second copy of a
    // repeated hour (their first copies are already past), so this loop
    // ends within that hour's worth of matches.
    for (;;) {
      const candidate = this.#nextNaive(naive, limit);
      if (candidate === undefined) return undefined;
      const fire = instantOf(candidate, this.timezone);
      if (fire > t) return new Date(fire);
      naive = candidate;
    }
  }

  /** The last fire time at or before `at` (none within 9 years). */
  previous(at: Date): Date | undefined {
    const t = at.getTime();
    // 1. Widen a window back from `t` until it holds a fire time.
    let span = SECOND;
    let first = this.next(new Date(t - span));
    while (!first || first.getTime() > t) {
      if (span > HORIZON) return undefined;
      span *= 2;
      first = this.next(new Date(t - span));
    }
    // 2. Bisect: a fire lies in (lo, hi] and none in (hi, t].
    let lo = t - span;
    let hi = t;
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / 2);
      const fire = this.next(new Date(mid));
      if (fire && fire.getTime() <= hi) lo = mid;
      else hi = mid;
    }
    return this.next(new Date(lo));
  }

  /** The data interval that closes at fire time `end`. */
  intervalEnding(end: Date): DataInterval {
    const start = this.previous(new Date(end.getTime() - 1)) ?? end;
    return { start, end };
  }

  /** Fire times in `(after, until]`, oldest first, at most `max`. */
  fires(after: Date, until: Date, max = Infinity): Date[] {
    const out: Date[] = [];
    let fire = this.next(after);
    while (fire && fire <= until && out.length < max) {
      out.push(fire);
      fire = this.next(fire);
    }
    return out;
  }
}
