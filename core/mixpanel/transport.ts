/**
 * One Mixpanel request with its retries: POST a prepared body, wait and
 * repeat on transient failures (retry-policy.ts), and hand back the final
 * answer. Everything thrown is a `MixpanelError` or an ABORTED
 * `BackflowError`; undici's own errors never escape, because they can carry
 * request headers.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Dispatcher, Pool } from "undici";

import { BackflowError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import type { ResolvedMixpanelConnection } from "./connection.ts";
import {
  MixpanelError,
  safeDetail,
  type MixpanelErrorCode,
} from "./mixpanel-error.ts";
import type { IngestionLimiter } from "./rate-limiter.ts";
import { errorText } from "./responses.ts";
import {
  backoffDelay,
  isRetryableStatus,
  mayRetry,
  networkErrorCode,
  parseRetryAfter,
  type RetryPolicy,
} from "./retry-policy.ts";

export interface Endpoint {
  path: "/import" | "/engage" | "/groups";
  query: string;
  contentType: string;
  /** Send the connection's Authorization header. */
  authenticated: boolean;
}

export interface TransportOptions {
  pool: Pool;
  connection: ResolvedMixpanelConnection;
  policy: RetryPolicy;
  requestTimeoutMs: number;
  log: Logger;
  /** Jitter source (tests may pin it). */
  random?: () => number;
  /** Paces requests below the project's ingestion cap. */
  limiter?: IngestionLimiter;
}

export interface PostOptions {
  /** Body bytes before gzip, for statistics and pacing. */
  rawBytes: number;
  /** Records in the body, for pacing (default: 1). */
  records?: number;
  gzipped: boolean;
  signal: AbortSignal;
  /**
   * Whether a failure after the request may have reached the server is
   * safe to repeat. When false only 429 (an explicit refusal) is retried.
   */
  idempotent: boolean;
}

export interface Reply {
  status: number;
  text: string;
}

/** Counters shared by every request of a client call or sender. */
export interface TransportCounters {
  requests: number;
  retries: number;
  bytes: number;
  wireBytes: number;
}

interface Failure {
  code: MixpanelErrorCode;
  status?: number;
  detail: string;
  retryAfterMs?: number;
  /** The request certainly did not reach the server. */
  unsent?: boolean;
}

/** Connection failures that happen before any byte is sent. */
const UNSENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

export function abortError(signal: AbortSignal): BackflowError {
  const reason = signal.reason;
  const text =
    reason instanceof Error ? reason.message : String(reason ?? "aborted");
  return new BackflowError("ABORTED", `Mixpanel send aborted: ${text}`);
}

/** Where request bodies go: Mixpanel over HTTP, or files in a dry run. */
export interface PostTransport {
  /** Full URL of an endpoint, for messages (no credentials in it). */
  describe(endpoint: Endpoint): string;
  post(
    endpoint: Endpoint,
    body: Buffer,
    options: PostOptions,
    counters: TransportCounters,
  ): Promise<Reply>;
}

export class Transport implements PostTransport {
  readonly #o: TransportOptions;
  readonly #basePath: string;
  readonly #origin: string;

  constructor(options: TransportOptions) {
    this.#o = options;
    const url = new URL(options.connection.baseUrl);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, "");
  }

  /** Full URL of an endpoint, for messages (no credentials in it). */
  describe(endpoint: Endpoint): string {
    return `${this.#origin}${this.#basePath}${endpoint.path}`;
  }

  async post(
    endpoint: Endpoint,
    body: Buffer,
    options: PostOptions,
    counters: TransportCounters,
  ): Promise<Reply> {
    const { policy } = this.#o;
    const started = Date.now();
    const limiter = this.#o.limiter;
    for (let attempt = 1; ; attempt++) {
      if (options.signal.aborted) throw abortError(options.signal);
      if (limiter?.active) {
        try {
          await limiter.take(
            options.records ?? 1,
            options.rawBytes,
            options.signal,
          );
        } catch {
          throw abortError(options.signal);
        }
      }
      counters.requests++;
      counters.bytes += options.rawBytes;
      counters.wireBytes += body.length;

      const outcome = await this.#attempt(endpoint, body, options);
      if ("text" in outcome) return outcome;

      const failure = outcome;
      if (failure.code === "MIXPANEL_AUTH") {
        throw this.#authError(endpoint, failure, attempt);
      }
      if (failure.code === "MIXPANEL_BAD_REQUEST") {
        throw this.#error(endpoint, failure, attempt, "malformed");
      }
      const repeatable =
        options.idempotent ||
        failure.unsent === true ||
        failure.code === "MIXPANEL_RATE_LIMITED";
      if (!repeatable) {
        throw this.#error(endpoint, failure, attempt, "not-idempotent");
      }

      const delay = backoffDelay(
        policy,
        attempt - 1,
        failure.retryAfterMs,
        this.#o.random,
      );
      const elapsed = Date.now() - started;
      if (!mayRetry(policy, attempt, elapsed, delay)) {
        throw this.#exhausted(endpoint, failure, attempt, elapsed);
      }
      counters.retries++;
      this.#o.log.info("mixpanel.retry", {
        endpoint: endpoint.path,
        attempt,
        status: failure.status,
        reason: failure.code,
        delayMs: delay,
      });
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        throw abortError(options.signal);
      }
    }
  }

  async #attempt(
    endpoint: Endpoint,
    body: Buffer,
    options: PostOptions,
  ): Promise<Reply | Failure> {
    const headers: Record<string, string> = {
      "content-type": endpoint.contentType,
      accept: "application/json",
      "user-agent": "backflow",
    };
    if (options.gzipped) headers["content-encoding"] = "gzip";
    if (endpoint.authenticated) {
      headers.authorization = this.#o.connection.authorizationHeader();
    }

    // undici's own header/body timeouts tick at about one second, so the
    // whole exchange is bounded by a timer of ours as well.
    const limit = this.#o.requestTimeoutMs;
    const attempt = new AbortController();
    const onAbort = () => attempt.abort(options.signal.reason);
    options.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => attempt.abort("timeout"), limit);

    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await this.#o.pool.request({
        method: "POST",
        path: `${this.#basePath}${endpoint.path}?${endpoint.query}`,
        headers,
        body,
        signal: attempt.signal,
        headersTimeout: limit,
        bodyTimeout: limit,
      });
      text = await response.body.text();
    } catch (error) {
      if (options.signal.aborted) throw abortError(options.signal);
      if (attempt.signal.aborted) {
        return {
          code: "MIXPANEL_NETWORK",
          detail: `ETIMEDOUT: no complete answer within ${limit} ms`,
        };
      }
      return networkFailure(error);
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
    }

    const status = response.statusCode;
    if (status === 200 || status === 400 || status === 413) {
      return { status, text };
    }
    if (status === 401 || status === 403) {
      return { code: "MIXPANEL_AUTH", status, detail: errorText(text) };
    }
    if (isRetryableStatus(status)) {
      return {
        code: status === 429 ? "MIXPANEL_RATE_LIMITED" : "MIXPANEL_SERVER",
        status,
        detail: errorText(text),
        retryAfterMs: parseRetryAfter(response.headers["retry-after"]),
      };
    }
    if (status >= 200 && status < 300) return { status, text };
    return { code: "MIXPANEL_BAD_REQUEST", status, detail: errorText(text) };
  }

  #authError(endpoint: Endpoint, failure: Failure, attempts: number) {
    const c = this.#o.connection;
    const hint =
      c.authKind === "service-account"
        ? "check the service-account username, secret and projectId " +
          "(the account needs the Owner or Admin role)"
        : c.authKind === "api-secret"
          ? "check MIXPANEL_API_SECRET, or switch to a service account"
          : "check the project token, or configure a service account";
    return new MixpanelError(
      "MIXPANEL_AUTH",
      `Mixpanel refused the credentials of connection "${c.name}" ` +
        `(HTTP ${failure.status} from ${this.describe(endpoint)}: ` +
        `${safeDetail(failure.detail)}); ${hint}, and that region ` +
        `"${c.region}" is the project's data residency.`,
      { ...this.#details(endpoint, failure, attempts) },
    );
  }

  #error(
    endpoint: Endpoint,
    failure: Failure,
    attempts: number,
    why: "malformed" | "not-idempotent",
  ) {
    const c = this.#o.connection;
    const at = this.describe(endpoint);
    const what = failure.status
      ? `HTTP ${failure.status}: ${safeDetail(failure.detail)}`
      : `${failure.detail}`;
    let message: string;
    if (why === "not-idempotent") {
      message =
        `A ${endpoint.path} request of connection "${c.name}" failed ` +
        `(${what}) and holds $add/$append updates, which are not safe ` +
        `to resend; check the profiles before rerunning the task.`;
    } else if (failure.status === 404 || failure.status === 405) {
      message =
        `${at} does not exist (${what}); check apiUrl and region of ` +
        `connection "${c.name}".`;
    } else if (failure.status === undefined) {
      message =
        `Could not send to ${at} for connection "${c.name}" (${what}); ` +
        `the client was probably closed while the task still ran.`;
    } else {
      message =
        `Mixpanel refused a request of connection "${c.name}" to ${at} ` +
        `(${what}); this is a backflow bug, please report it with this ` +
        `message.`;
    }
    return new MixpanelError(
      failure.code,
      message,
      this.#details(endpoint, failure, attempts),
    );
  }

  #exhausted(
    endpoint: Endpoint,
    failure: Failure,
    attempts: number,
    elapsedMs: number,
  ) {
    const c = this.#o.connection;
    const last = failure.status
      ? `HTTP ${failure.status}: ${safeDetail(failure.detail)}`
      : `network error ${failure.detail}`;
    return new MixpanelError(
      "MIXPANEL_RETRIES_EXHAUSTED",
      `Gave up on ${this.describe(endpoint)} for connection "${c.name}" ` +
        `after ${attempts} attempt(s) in ${Math.round(elapsedMs / 1000)} s ` +
        `(last: ${last}). The batch was not acknowledged; rerunning the ` +
        `task resends it safely.`,
      {
        ...this.#details(endpoint, failure, attempts),
        lastCode: failure.code,
        retryable: true,
      },
    );
  }

  #details(endpoint: Endpoint, failure: Failure, attempts: number) {
    return {
      connection: this.#o.connection.name,
      endpoint: endpoint.path,
      status: failure.status,
      attempts,
    };
  }
}

function networkFailure(error: unknown): Failure {
  // Only the code and a redacted message survive; the error object itself
  // (and its cause chain) is dropped here.
  const message = error instanceof Error ? error.message : String(error);
  const known = networkErrorCode(error);
  const raw = (error as { code?: unknown })?.code;
  if (!known && typeof raw === "string" && raw.startsWith("UND_ERR_")) {
    // undici refused the request itself (bad argument, closed pool): a bug
    // or a shutdown, not something a retry fixes.
    return {
      code: "MIXPANEL_BAD_REQUEST",
      detail: `${raw}: ${safeDetail(message, 120)}`,
    };
  }
  return {
    code: "MIXPANEL_NETWORK",
    detail: `${known ?? "network"}: ${safeDetail(message, 120)}`,
    unsent: known !== undefined && UNSENT.has(known),
  };
}
