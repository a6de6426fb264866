/**
 * The time zone a Postgres connection declares for its `timestamp without
 * time zone` values. It is either an IANA name ("Europe/Paris", "UTC") or a
 * fixed UTC offset ("+05:30", "-08:00"); the machine's own zone never plays
 * a part.
 *
 * Wall-clock times that a daylight-saving change makes ambiguous or
 * impossible are resolved the way PostgreSQL's `AT TIME ZONE` does, so a value
 * read here equals the same column converted in SQL:
 * - a time inside a spring-forward gap takes the offset in force just
 *   before the change (02:30 in New York on a spring-forward day is 03:30 EDT);
 * - a time inside a fall-back overlap takes the offset in force just after
 *   the change (01:30 on a fall-back day is 01:30 EST, the later instant).
 */
import { ConfigError } from "../errors.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
const BUCKET = 15 * MINUTE;
const CACHE_LIMIT = 50_000;

export interface Zone {
  /** The zone as declared, e.g. "UTC", "America/New_York", "+05:30". */
  readonly name: string;
  /** The value for PostgreSQL's `TimeZone` setting. */
  readonly sessionSetting: string;
  /** UTC offset in milliseconds at an instant (ms since the epoch). */
  offsetAt(instant: number): number;
  /** The instant of a wall-clock time, given as if it were UTC ms. */
  instantOf(wall: number): number;
}

const OFFSET = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const SAFE_NAME = /^[A-Za-z0-9_/+-]+$/;

/**
 * Reads a declared zone.
 * @throws ConfigError when it is neither a known IANA zone nor an offset
 */
export function parseZone(declared: string, connection: string): Zone {
  const text = declared.trim();
  const offset = OFFSET.exec(text);
  if (offset) return fixedZone(text, offset);
  if (/^(?:utc|z|gmt|etc\/utc)$/i.test(text)) return fixedZone(text, null);

  if (SAFE_NAME.test(text)) {
    try {
      return ianaZone(text);
    } catch {
      // Reported below with the connection's name.
    }
  }
  throw new ConfigError(
    `connection "${connection}": timezone "${declared}" is neither an ` +
      `IANA zone (e.g. "Europe/Paris") nor a UTC offset (e.g. "+05:30")`,
  );
}

function fixedZone(name: string, match: RegExpExecArray | null): Zone {
  const sign = match?.[1] === "-" ? -1 : 1;
  const hours = Number(match?.[2] ?? 0);
  const minutes = Number(match?.[3] ?? 0);
  const offset = sign * (hours * 60 + minutes) * MINUTE;
  return Object.freeze({
    name,
    sessionSetting: posixSetting(sign, hours, minutes),
    offsetAt: () => offset,
    instantOf: (wall: number) => wall - offset,
  });
}

// POSIX zone strings count west of Greenwich as positive, the opposite of
// ISO offsets; the bracketed part is only the abbreviation shown in output.
function posixSetting(sign: number, hours: number, minutes: number): string {
  if (hours === 0 && minutes === 0) return "UTC";
  const hh = String(hours).padStart(2, "0");
  const mm = String(minutes).padStart(2, "0");
  const iso = `${sign < 0 ? "-" : "+"}${hh}${mm}`;
  return `<${iso}>${sign < 0 ? "+" : "-"}${hh}:${mm}`;
}

function ianaZone(name: string): Zone {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: name,
    timeZoneName: "longOffset",
  });
  const offsetAt = (instant: number): number => {
    const part = format
      .formatToParts(instant)
      .find((p) => p.type === "timeZoneName");
    return parseGmtOffset(part?.value ?? "GMT");
  };

  // Offsets change rarely, so a wall time whose whole neighbourhood shares
  // one offset is cached by quarter hour.
  const cache = new Map<number, number>();
  const instantOf = (wall: number): number => {
    const bucket = Math.floor(wall / BUCKET);
    const cached = cache.get(bucket);
    if (cached !== undefined) return wall - cached;

    const before = offsetAt(wall - DAY);
    const after = offsetAt(wall + DAY);
    if (before === after) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(bucket, before);
      return wall - before;
    }
    return resolveTransition(wall, before, after, offsetAt);
  };

  return Object.freeze({ name, sessionSetting: name, offsetAt, instantOf });
}

function resolveTransition(
  wall: number,
  before: number,
  after: number,
  offsetAt: (instant: number) => number,
): number {
  const early = wall - before;
  const late = wall - after;
  const earlyValid = offsetAt(early) === before;
  const lateValid = offsetAt(late) === after;
  if (earlyValid && lateValid) return early < late ? late : early;
  if (lateValid) return late;
  return early;
}

function parseGmtOffset(text: string): number {
  const match = /^GMT([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!match) return 0;
  const sign = match[1] === "-" ? -1 : 1;
  const seconds =
    Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4] ?? 0);
  return sign * seconds * 1000;
}
