/**
 * Wall-clock time in an IANA zone, without the host's zone ever taking
 * part: instants are UTC milliseconds, and a wall-clock time is a "naive"
 * millisecond count read as if the zone were UTC (so plain UTC arithmetic
 * walks the calendar). Offsets come from `Intl`, never from `Date`'s local
 * methods, which would leak the host's zone (croner#284, node-cron#174).
 *
 * DST policy (see `instantOf`):
 * 1. A wall-clock time that occurs once maps to that instant.
 * 2. A time that occurs twice (clocks turned back) maps to its first
 *    occurrence only.
 * 3. A time that does not exist (clocks turned forward) maps to the first
 *    instant after the gap, i.e. the moment the clocks jumped.
 * The mapping never decreases as the wall-clock time grows, which is what
 * keeps fire times strictly increasing and data intervals contiguous.
 */

const SECOND = 1000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, format);
  }
  return format;
}

/** The wall-clock time of `instant` in `zone`, whole seconds, as naive ms. */
export function naiveOf(instant: number, zone: string): number {
  if (zone === "UTC") return Math.floor(instant / SECOND) * SECOND;
  const parts: Record<string, string> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    parts[part.type] = part.value;
  }
  let year = Number(parts.year);
  if (parts.era === "BC" || parts.era === "B") year = 1 - year;
  const naive = Date.UTC(
    year,
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  // Date.UTC maps years 0–99 to 1900–1999.
  return year >= 0 && year < 100 ? new Date(naive).setUTCFullYear(year) : naive;
}

/** The zone's offset from UTC at `instant`, in ms (whole seconds). */
export function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / SECOND) * SECOND;
  return naiveOf(whole, zone) - whole;
}

/**
 * The first instant at which the offset is `after`, searched in
 * `(from, to]` where the offset is `before` at `from` and `after` at `to`.
 */
function transitionIn(
  from: number,
  to: number,
  after: number,
  zone: string,
): number {
  let lo = from;
  let hi = to;
  while (hi - lo > SECOND) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
    if (offsetAt(mid, zone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant a wall-clock time stands for under the DST policy above.
 *
 * Note: assumes the zone changes its offset at most once within a day of
 * the time asked about, which holds for every zone in the IANA database
 * since 1970.
 */
export function instantOf(naive: number, zone: string): number {
  if (zone === "UTC") return naive;
  const before = offsetAt(naive - DAY, zone);
  const after = offsetAt(naive + DAY, zone);
  const candidates = [naive - before, naive - after].filter(
    (instant) => naiveOf(instant, zone) === naive,
  );
  if (candidates.length > 0) return Math.min(...candidates);

  // A gap: the wall clock jumped over `naive`; take the moment it jumped.
  // Offsets only jump forward over a gap, so `after > before` here.
  return transitionIn(naive - after, naive - before, after, zone);
}

export function floorSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

/**
 * Reads an ISO date or date-time: with a `Z` or an offset it is an
 * instant; without, a wall-clock time in `zone` (a date alone is its
 * midnight). Returns undefined for anything else.
 */
export function parseZonedDate(text: string, zone: string): Date | undefined {
  const trimmed = text.trim();
  const local =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(
      trimmed,
    );
  if (local) {
    const [, y, mo, d, h, mi, s] = local.map(Number) as number[];
    const naive = Date.UTC(y!, mo! - 1, d!, h || 0, mi || 0, s || 0);
    const check = new Date(naive);
    if (check.getUTCMonth() !== mo! - 1 || check.getUTCDate() !== d) {
      return undefined;
    }
    return new Date(instantOf(naive, zone));
  }
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    return undefined;
  }
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
