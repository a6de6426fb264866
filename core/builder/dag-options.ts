/**
 * The options of `dag(id, options, build)` and their defaults. The
 * scheduler reads the normalised values; unknown keys are kept in
 * `DagDefinition.options` for features that come later.
 */
import { validate as isCron } from "node-cron";

import { DagDefinitionError } from "./dag-errors.ts";
import { isEnvRef, type Configurable } from "./env.ts";
import { isTimeZone } from "./names.ts";

/** Where a DAG's run failures, recoveries and rejections are reported. */
export interface NotifyOptions {
  /**
   * A URL that receives each message as a JSON POST. Such URLs often hold
   * a token: prefer `env("ALERT_WEBHOOK_URL")`.
   */
  webhook: Configurable<string>;
  /** Also report a run that rejected more rows than this (default: no). */
  rejectedRowsAbove?: number;
}

/** What a scheduled run does when `maxActiveRuns` runs are active. */
export type OverlapPolicy = "queue" | "skip";

export interface DagOptions {
  /**
   * Cron expression (5 fields, or 6 with seconds) or a preset such as
   * "@daily" (default: none, the DAG runs only when triggered).
   */
  schedule?: string;
  /** IANA zone the schedule is read in (default: "UTC"). */
  timezone?: string;
  /**
   * Run every interval missed while no scheduler ran or the DAG was
   * paused, back to `catchupWindowMs` (default: false, only the latest
   * missed interval runs).
   */
  catchup?: boolean;
  /** How far back catch-up reaches, in ms (default: 7 days). */
  catchupWindowMs?: number;
  /** Runs of this DAG at the same time (default: 1, no overlap). */
  maxActiveRuns?: number;
  /**
   * A scheduled run that finds `maxActiveRuns` runs active: "queue" waits
   * for one to end, "skip" is recorded as skipped and never runs
   * (default: "queue").
   */
  overlap?: OverlapPolicy;
  /** Tasks of this DAG running at once, over all its runs (default: 4). */
  maxActiveTasks?: number;
  /** Tries after a task's first failure (default: 0). */
  retries?: number;
  /** Wait before the first retry; doubles each time (default: 30000 ms). */
  retryDelayMs?: number;
  /** Longest wait between tries (default: 600000 ms). */
  maxRetryDelayMs?: number;
  /** Share of each wait taken off at random, 0–1 (default: 0.2). */
  retryJitter?: number;
  /**
   * Time limit of one try of a task, in ms; past it the task's
   * `ctx.signal` aborts and the try fails (default: none).
   */
  taskTimeoutMs?: number;
  /** Report failed and recovered runs to a webhook (default: none). */
  notify?: NotifyOptions;
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
  catchupWindowMs: number;
  maxActiveRuns: number;
  overlap: OverlapPolicy;
  maxActiveTasks: number;
  retries: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  retryJitter: number;
  taskTimeoutMs: number | undefined;
  notify: Readonly<NotifyOptions> | undefined;
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

  const { schedule, timezone = "UTC", catchup = false } = options;
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

  const whole = (name: string, value: unknown, min: number): number => {
    if (!Number.isInteger(value) || (value as number) < min) {
      fail(`${name} must be a whole number of at least ${min}`);
    }
    return value as number;
  };
  const catchupWindowMs = whole(
    "catchupWindowMs",
    options.catchupWindowMs ?? 7 * 86_400_000,
    1,
  );
  const overlap = options.overlap ?? "queue";
  if (overlap !== "queue" && overlap !== "skip") {
    fail('overlap must be "queue" or "skip"');
  }
  const maxActiveTasks = whole(
    "maxActiveTasks",
    options.maxActiveTasks ?? 4,
    1,
  );
  const retries = whole("retries", options.retries ?? 0, 0);
  const retryDelayMs = whole("retryDelayMs", options.retryDelayMs ?? 30_000, 0);
  const maxRetryDelayMs = whole(
    "maxRetryDelayMs",
    options.maxRetryDelayMs ?? Math.max(600_000, retryDelayMs),
    0,
  );
  const retryJitter = options.retryJitter ?? 0.2;
  if (!(
    typeof retryJitter === "number" &&
    retryJitter >= 0 &&
    retryJitter <= 1
  )) {
    fail("retryJitter must be a share between 0 and 1");
  }
  const taskTimeoutMs =
    options.taskTimeoutMs === undefined
      ? undefined
      : whole("taskTimeoutMs", options.taskTimeoutMs, 1);
  const notify = normalizeNotify(options.notify, fail);

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
    catchupWindowMs,
    maxActiveRuns,
    overlap,
    maxActiveTasks,
    retries,
    retryDelayMs,
    maxRetryDelayMs,
    retryJitter,
    taskTimeoutMs,
    notify,
    startDate,
    description,
    tags: Object.freeze([...tags]),
  };
}

function normalizeNotify(
  notify: NotifyOptions | undefined,
  fail: (problem: string) => never,
): Readonly<NotifyOptions> | undefined {
  if (notify === undefined) return undefined;
  if (typeof notify !== "object" || notify === null) {
    fail('notify must be an object, e.g. { webhook: env("ALERT_URL") }');
  }
  const { webhook, rejectedRowsAbove } = notify;
  if (!isEnvRef(webhook)) {
    let url: URL | undefined;
    try {
      url = typeof webhook === "string" ? new URL(webhook) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !/^https?:$/.test(url.protocol)) {
      fail('notify.webhook must be an http(s) URL or env("NAME")');
    }
  }
  if (
    rejectedRowsAbove !== undefined &&
    !(Number.isInteger(rejectedRowsAbove) && rejectedRowsAbove >= 0)
  ) {
    fail("notify.rejectedRowsAbove must be a whole number of 0 or more");
  }
  return Object.freeze({ ...notify });
}
