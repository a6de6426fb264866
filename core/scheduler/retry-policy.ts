/**
 * When a failed task instance is tried again, and whether at all.
 *
 * Retry rule:
 * 1. An error whose code says repeating cannot help fails the task at once
 *    (`NEVER_RETRY`: bad configuration, a refused credential, a bad
 *    request, too many rejected rows, an upstream that failed or never
 *    came, a run cancelled by the user). Anything else, including errors that are not backflow's,
 *    timeouts and exhausted HTTP retries, is retried while tries remain.
 * 2. The wait before try n+1 is `retryDelayMs * 2^(n-1)`, capped at
 *    `maxRetryDelayMs`, then shortened by a random share of up to
 *    `retryJitter` so that tasks failing together do not retry together.
 */
import type { ErrorCode } from "../errors.ts";

export interface RetryPolicy {
  /** Tries after the first (default: 0). */
  readonly retries: number;
  /** Wait before the first retry, in ms (default: 30000). */
  readonly retryDelayMs: number;
  /** Longest wait between tries, in ms (default: 600000). */
  readonly maxRetryDelayMs: number;
  /** Share of a wait taken off at random, 0–1 (default: 0.2). */
  readonly retryJitter: number;
}

export const NEVER_RETRY: ReadonlySet<string> = new Set<ErrorCode>([
  "CONFIG_INVALID",
  "USAGE",
  "DAG_INVALID",
  "DAG_DUPLICATE_TASK",
  "DAG_NOT_FOUND",
  "GRAPH_CYCLE",
  "GRAPH_UNKNOWN_TASK",
  "MIXPANEL_AUTH",
  "MIXPANEL_BAD_REQUEST",
  "SCHEDULE_INVALID",
  // A task that rejected more rows than its threshold would reject them
  // again: the rows, not the moment, are wrong.
  "TASK_FAILED",
  "WAIT_TIMEOUT",
  "UPSTREAM_FAILED",
  "RUN_CANCELLED",
]);

/** Whether an error with this code is worth another try. */
export function isRetryable(code: string | undefined): boolean {
  return code === undefined || !NEVER_RETRY.has(code);
}

/**
 * The wait after the `failedTry`-th try (1 for the first) failed.
 * @param random a number in [0, 1), e.g. `Math.random()`
 */
export function retryDelay(
  failedTry: number,
  policy: RetryPolicy,
  random: number = Math.random(),
): number {
  const exponent = Math.max(0, failedTry - 1);
  const full = Math.min(
    policy.maxRetryDelayMs,
    policy.retryDelayMs * 2 ** Math.min(exponent, 52),
  );
  return Math.round(full * (1 - policy.retryJitter * random));
}
