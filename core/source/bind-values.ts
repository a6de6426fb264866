/**
 * Prepares a query's parameters for pg. A `Date` is sent as text in the
 * connection's declared zone with that zone's offset, so it means the same
 * instant against a timestamptz column and the same wall time against a
 * timestamp column, whatever the machine's zone (pg's own formatting uses
 * the process's local zone).
 */
import { DeferredParam } from "./sql.ts";
import { SourceError } from "./source-error.ts";
import type { Zone } from "./zone.ts";

export interface BindOptions {
  readonly connection: string;
  readonly zone: Zone;
  /** Replace unbound deferred parameters by NULL (describing a query). */
  readonly nullForDeferred?: boolean;
}

export function bindValues(
  values: readonly unknown[],
  options: BindOptions,
): unknown[] {
  return values.map((value, i) => bindOne(value, i + 1, options));
}

function bindOne(value: unknown, n: number, options: BindOptions): unknown {
  if (value instanceof Date) return formatInstant(value, n, options);
  if (Array.isArray(value)) return value.map((v) => bindOne(v, n, options));
  if (!(value instanceof DeferredParam)) return value;

  if (options.nullForDeferred) return null;
  throw new SourceError(
    `connection "${options.connection}": query parameter $${n} ` +
      `(${value.name}) has no value; it is only known inside a run`,
    { connection: options.connection },
  );
}

function formatInstant(date: Date, n: number, options: BindOptions): string {
  const ms = date.getTime();
  if (Number.isNaN(ms)) {
    throw new SourceError(
      `connection "${options.connection}": query parameter $${n} is an ` +
        `invalid Date`,
      { connection: options.connection },
    );
  }

  const offset = options.zone.offsetAt(ms);
  const wall = new Date(ms + offset);
  const year = wall.getUTCFullYear();
  const day =
    `${pad(year > 0 ? year : 1 - year, 4)}-${pad(wall.getUTCMonth() + 1)}` +
    `-${pad(wall.getUTCDate())}`;
  const time =
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}` +
    `:${pad(wall.getUTCSeconds())}.${pad(wall.getUTCMilliseconds(), 3)}`;
  return `${day} ${time}${formatOffset(offset)}${year > 0 ? "" : " BC"}`;
}

function formatOffset(offset: number): string {
  const sign = offset < 0 ? "-" : "+";
  const total = Math.abs(offset) / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = Math.round(total % 60);
  const base = `${sign}${pad(hours)}:${pad(minutes)}`;
  return seconds ? `${base}:${pad(seconds)}` : base;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}
