/**
 * The options of `dag(id, options, build)` and their defaults. The
 * scheduler reads the normalised values; unknown keys are kept in
 * `DagDefinition.options` for features that come later.
 */
import { validate as isCron } from "node-cron";

import { DagDefinitionError } from "./dag-errors.ts";
import { isTimeZone } from "./names.ts";

export interface DagOptions {
  /**
   * Cron expression (5 fields, or 6 with seconds) or a preset such as
   * "@daily" (default: none, the DAG runs only when triggered).
   */
  schedule?: string;
  /** IANA zone the schedule is read in (default: "UTC"). */
  timezone?: string;
  /** Run intervals missed while paused or down (default: true). */
  catchup?: boolean;
  /** Runs of this DAG at the same time (default: 1, no overlap). */
  maxActiveRuns?: number;
  /** Start of the first data interval (default: none). */
  startDate?: Date | string;
  /** Shown by `backflow list` and the dashboard. */
  description?: string;
  /** Free labels for filtering (default: none). */
  tags?: string[];
}

export interface NormalizedDagOptions {
  schedule: string | undefined;
  timezone: string;
  catchup: boolean;
  maxActiveRuns: number;
  startDate: Date | undefined;
  description: string | undefined;
  tags: readonly string[];
}

/** @throws DagDefinitionError naming the bad option and what it accepts */
export function normalizeDagOptions(
  dagId: string,
  options: DagOptions,
): NormalizedDagOptions {
  const fail = (problem: string) => {
    throw new DagDefinitionError(dagId, undefined, problem);
  };
  if (typeof options !== "object" || options === null) {
    fail('options must be an object, e.g. { schedule: "@daily" }');
  }

  const { schedule, timezone = "UTC", catchup = true } = options;
  if (
    schedule !== undefined &&
    !(typeof schedule === "string" && isCron(schedule))
  ) {
    fail(
      `schedule ${JSON.stringify(schedule)} is not a valid cron ` +
        `expression (e.g. "*/15 * * * *" or "@daily")`,
    );
  }
  if (typeof timezone !== "string" || !isTimeZone(timezone)) {
    fail(`unknown timezone ${JSON.stringify(timezone)} (use e.g. "UTC")`);
  }
  if (typeof catchup !== "boolean") fail("catchup must be true or false");

  const maxActiveRuns = options.maxActiveRuns ?? 1;
  if (!Number.isInteger(maxActiveRuns) || maxActiveRuns < 1) {
    fail("maxActiveRuns must be a whole number of at least 1");
  }

  let startDate: Date | undefined;
  if (options.startDate !== undefined) {
    startDate = new Date(options.startDate);
    if (Number.isNaN(startDate.getTime())) {
      fail(
        `startDate ${JSON.stringify(options.startDate)} is not a date ` +
          `(use a Date or an ISO string such as "2024-01-01T00:00:00Z")`,
      );
    }
  }

  const tags = options.tags ?? [];
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string")) {
    fail("tags must be a list of strings");
  }
  const description = options.description;
  if (description !== undefined && typeof description !== "string") {
    fail("description must be a string");
  }

  return {
    schedule,
    timezone,
    catchup,
    maxActiveRuns,
    startDate,
    description,
    tags: Object.freeze([...tags]),
  };
}
