/**
 * The schedule and time zone rules a DAG must meet: a cron expression of
 * five fields (or six, with seconds first) that node-cron accepts, or a
 * preset such as "@daily"; and an IANA zone this Node.js knows.
 */
import { validate } from "node-cron";

import { isTimeZone } from "../builder/names.ts";

const PRESETS = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);

/** Why a schedule is invalid, or null when node-cron can run it. */
export function scheduleProblem(schedule: string): string | null {
  const trimmed = schedule.trim();
  if (PRESETS.has(trimmed)) return null;
  const fields = trimmed.split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) {
    return (
      `schedule "${schedule}" has ${fields} field(s); a cron expression has ` +
      `5 (minute hour day month weekday) or 6 (seconds first)`
    );
  }
  if (!validate(trimmed)) {
    return (
      `schedule "${schedule}" is not a valid cron expression ` +
      `(e.g. "*/15 * * * *" or "@daily")`
    );
  }
  return null;
}

/** Why a zone is invalid, or null when it is a known IANA zone. */
export function timezoneProblem(zone: string): string | null {
  if (isTimeZone(zone)) return null;
  return `unknown timezone "${zone}" (use an IANA name such as "UTC" or "Europe/Paris")`;
}
