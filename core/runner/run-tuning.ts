/**
 * Knobs of a run read from the environment, for operators and tests that
 * need other batch sizes, fewer requests in flight or shorter backoffs
 * without changing pipeline code:
 *
 *   BACKFLOW_MIXPANEL_CONCURRENCY   requests in flight per connection
 *   BACKFLOW_EVENTS_PER_REQUEST     events per /import request (≤ 2000)
 *   BACKFLOW_PROFILES_PER_REQUEST   updates per /engage, /groups request
 *   BACKFLOW_RETRY_BASE_MS          first backoff ceiling
 *   BACKFLOW_RETRY_MAX_MS           largest backoff ceiling
 *   BACKFLOW_RETRY_MAX_ATTEMPTS     requests per batch before giving up
 *   BACKFLOW_RETRY_MAX_ELAPSED_MS   time budget per batch, retries included
 *   BACKFLOW_REQUEST_TIMEOUT_MS     longest wait for one answer (a stall)
 *   BACKFLOW_PAGE_SIZE              warehouse rows per fetch
 *   BACKFLOW_MIXPANEL_RECORDS_PER_S pace each connection below this many
 *                                   records per second (0: no pacing;
 *                                   default: 30000 on Mixpanel's hosts)
 *   BACKFLOW_MIXPANEL_BYTES_PER_S   the same for uncompressed bytes
 *   BACKFLOW_SOURCE_READ            "cursor" turns the COPY fast path off
 *
 * Unset variables keep the defaults documented on each option.
 */
import { ConfigError } from "../errors.ts";
import type { MixpanelClientOptions } from "../mixpanel/client.ts";
import type { RateLimit } from "../mixpanel/rate-limiter.ts";

export interface RunTuning {
  clientOptions: MixpanelClientOptions;
  pageSize?: number;
}

function whole(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(
      `${name} must be a whole number above 0, got "${raw}"`,
    );
  }
  return value;
}

function count(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  }
  return value;
}

/** Pacing from the environment; undefined keeps the client's default. */
function pacing(env: NodeJS.ProcessEnv): RateLimit | false | undefined {
  const records = count(env, "BACKFLOW_MIXPANEL_RECORDS_PER_S");
  const bytes = count(env, "BACKFLOW_MIXPANEL_BYTES_PER_S");
  if (records === undefined && bytes === undefined) return undefined;
  if (!records && !bytes) return false;
  return {
    ...(records ? { eventsPerSecond: records } : {}),
    ...(bytes ? { bytesPerSecond: bytes } : {}),
  };
}

/** @throws ConfigError naming a variable that is not a whole number */
export function runTuningFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): RunTuning {
  const concurrency = whole(env, "BACKFLOW_MIXPANEL_CONCURRENCY");
  const events = whole(env, "BACKFLOW_EVENTS_PER_REQUEST");
  const profiles = whole(env, "BACKFLOW_PROFILES_PER_REQUEST");
  const baseDelayMs = whole(env, "BACKFLOW_RETRY_BASE_MS");
  const maxDelayMs = whole(env, "BACKFLOW_RETRY_MAX_MS");
  const maxAttempts = whole(env, "BACKFLOW_RETRY_MAX_ATTEMPTS");
  const maxElapsedMs = whole(env, "BACKFLOW_RETRY_MAX_ELAPSED_MS");
  const requestTimeoutMs = whole(env, "BACKFLOW_REQUEST_TIMEOUT_MS");
  const pageSize = whole(env, "BACKFLOW_PAGE_SIZE");
  const rateLimit = pacing(env);
  const retry = {
    ...(baseDelayMs ? { baseDelayMs } : {}),
    ...(maxDelayMs ? { maxDelayMs } : {}),
    ...(maxAttempts ? { maxAttempts } : {}),
    ...(maxElapsedMs ? { maxElapsedMs } : {}),
  };
  return {
    clientOptions: {
      ...(concurrency ? { concurrency } : {}),
      ...(events ? { events: { maxRecords: events } } : {}),
      ...(profiles ? { profiles: { maxRecords: profiles } } : {}),
      ...(Object.keys(retry).length > 0 ? { retry } : {}),
      ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
      ...(rateLimit === undefined ? {} : { rateLimit }),
    },
    ...(pageSize ? { pageSize } : {}),
  };
}
