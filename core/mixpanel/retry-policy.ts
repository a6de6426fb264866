/**
 * When to retry a Mixpanel request and how long to wait first.
 *
 * Policy (mixpanel-api.md §3.9, §5.7):
 * 1. 429, 408, 5xx (524 included) and network errors are transient.
 * 2. The wait before retry n (0-based) is "full jitter": uniform in
 *    [0, min(maxDelayMs, baseDelayMs · 2^n)].
 * 3. A `Retry-After` header (seconds or an HTTP date) raises the wait to at
 *    least that long; it is never shortened by jitter.
 * 4. Give up when `maxAttempts` requests were made, or when the next wait
 *    would end past `maxElapsedMs` since the first attempt.
 */

export interface RetryOptions {
  /** First backoff ceiling in ms (default: 1000). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default: 60000). */
  maxDelayMs?: number;
  /** Requests per batch, the first included (default: 10). */
  maxAttempts?: number;
  /** Time budget per batch from its first attempt (default: 15 min). */
  maxElapsedMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxAttempts: 10,
  maxElapsedMs: 15 * 60_000,
});

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return { ...DEFAULT_RETRY, ...stripUndefined(options) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** Statuses worth repeating: the server did not take the request. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** undici and Node error codes meaning the connection failed or stalled. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** The low-level code of a thrown error, looking one level into `cause`. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  const message = error instanceof Error ? error.message : "";
  return /socket hang up|other side closed/i.test(message)
    ? "ECONNRESET"
    : undefined;
}

/**
 * Parses `Retry-After` into milliseconds from `nowMs`; undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(
  header: string | string[] | undefined,
  nowMs = Date.now(),
): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The wait before retry number `retry` (0 = the first retry). */
export function backoffDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * 2 ** Math.min(retry, 30),
  );
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, Math.ceil(retryAfterMs ?? 0));
}

/** Whether another attempt fits the budget after `attempts` were made. */
export function mayRetry(
  policy: RetryPolicy,
  attempts: number,
  elapsedMs: number,
  delayMs: number,
): boolean {
  if (attempts >= policy.maxAttempts) return false;
  return elapsedMs + delayMs <= policy.maxElapsedMs;
}
