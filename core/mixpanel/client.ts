/**
 * The Mixpanel client: events to `/import` (strict, gzip), user profiles to
 * `/engage`, group profiles to `/groups`, over one keep-alive undici pool
 * with several requests in flight.
 *
 * @example
 *   const client = new MixpanelClient(mixpanelConnectionFromEnv("product"));
 *   const result = await client.importEvents(events);
 *   // result.rejected[i] = { index, field, message, source }
 *   await client.close();
 */
import { Pool } from "undici";

import { ConfigError } from "../errors.ts";
import { createLogger, type Logger } from "../util/log.ts";
import {
  MIXPANEL_HOSTS,
  type ResolvedMixpanelConnection,
} from "./connection.ts";
import {
  IngestionLimiter,
  MIXPANEL_CAP,
  type RateLimit,
} from "./rate-limiter.ts";
import { deliver, type DeliveryContext } from "./delivery.ts";
import { eventPreparer, profilePreparer } from "./prepare.ts";
import { LIMITS, type IdentityMode } from "./rules.ts";
import { retryPolicy, type RetryOptions } from "./retry-policy.ts";
import { MixpanelSender, type SenderOptions } from "./sender.ts";
import { DryRunTransport } from "./dry-run-transport.ts";
import { Transport, type Endpoint, type PostTransport } from "./transport.ts";
import type {
  MixpanelEvent,
  ProfileUpdate,
  RecordKind,
  SendResult,
} from "./types.ts";

export interface BatchSizeOptions {
  /** Records per request (at most 2000). */
  maxRecords?: number;
  /** Uncompressed bytes per request. */
  maxBytes?: number;
}

export interface MixpanelClientOptions {
  /**
   * Requests in flight per client (default: 16, enough to hide about
   * 100 ms of latency at 2000 events per request; the pacing below keeps
   * them under the project's cap).
   */
  concurrency?: number;
  /** gzip level for /import bodies, 1–9; 0 sends them plain (default: 1). */
  gzipLevel?: number;
  /** /import batches (default: 2000 events, 9 MiB). */
  events?: BatchSizeOptions;
  /** /engage and /groups batches (default: 500 updates, 1 MiB). */
  profiles?: BatchSizeOptions;
  retry?: RetryOptions;
  /** Per-request wait for headers and for body progress (default: 60 s). */
  requestTimeoutMs?: number;
  /** TCP/TLS connect timeout (default: 10 s). */
  connectTimeoutMs?: number;
  /** The project's ID Merge system, for validation (default: simplified). */
  identityMode?: IdentityMode;
  /** Clock for validating event times (default: `Date.now`). */
  now?: () => number;
  /**
   * Paces requests below the project's ingestion cap, so that they do
   * not end in 429s (default: Mixpanel's documented cap, 30,000 records
   * and 2 GB per minute, on Mixpanel's own hosts; none for another
   * apiUrl such as the emulator). false turns pacing off.
   */
  rateLimit?: RateLimit | false;
  /**
   * Send nothing: write each request body, uncompressed, to a file in this
   * folder and answer as Mixpanel would to a valid batch (default: off).
   */
  dryRunDir?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

const MiB = 1024 * 1024;

const ENDPOINTS: Record<RecordKind, Omit<Endpoint, "query">> = {
  events: {
    path: "/import",
    contentType: "application/x-ndjson",
    authenticated: true,
  },
  users: {
    path: "/engage",
    contentType: "application/json",
    authenticated: false,
  },
  groups: {
    path: "/groups",
    contentType: "application/json",
    authenticated: false,
  },
};

function positive(name: string, value: number, max = Infinity): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(
      `Mixpanel client option ${name} must be an integer from 1 to ${max}`,
    );
  }
  return value;
}

/** The pacing of a connection: the option, else the cap of its host. */
function rateLimitOf(
  connection: ResolvedMixpanelConnection,
  options: MixpanelClientOptions,
): RateLimit {
  if (options.rateLimit === false) return {};
  if (options.rateLimit) return options.rateLimit;
  const origin = new URL(connection.baseUrl).origin;
  const own = Object.values(MIXPANEL_HOSTS).includes(origin);
  return own ? MIXPANEL_CAP : {};
}

export class MixpanelClient {
  readonly connection: ResolvedMixpanelConnection;
  readonly #pool: Pool;
  readonly #transport: PostTransport;
  readonly #log: Logger;
  readonly #concurrency: number;
  readonly #gzipLevel: number;
  readonly #events: Required<BatchSizeOptions>;
  readonly #profiles: Required<BatchSizeOptions>;
  readonly #identityMode: IdentityMode;
  readonly #now: () => number;

  constructor(
    connection: ResolvedMixpanelConnection,
    options: MixpanelClientOptions = {},
  ) {
    this.connection = connection;
    this.#concurrency = positive("concurrency", options.concurrency ?? 16);
    // A dry run keeps bodies readable: compression is only transport.
    this.#gzipLevel = options.dryRunDir ? 0 : (options.gzipLevel ?? 1);
    const level = this.#gzipLevel;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new ConfigError("Mixpanel client option gzipLevel must be 0–9");
    }
    const cap = LIMITS.maxEventsPerRequest;
    this.#events = {
      maxRecords: positive(
        "events.maxRecords",
        options.events?.maxRecords ?? cap,
        cap,
      ),
      maxBytes: positive(
        "events.maxBytes",
        options.events?.maxBytes ?? 9 * MiB,
      ),
    };
    this.#profiles = {
      maxRecords: positive(
        "profiles.maxRecords",
        options.profiles?.maxRecords ?? 500,
        LIMITS.maxUpdatesPerRequest,
      ),
      maxBytes: positive(
        "profiles.maxBytes",
        options.profiles?.maxBytes ?? MiB,
      ),
    };
    this.#identityMode = options.identityMode ?? "simplified";
    this.#now = options.now ?? Date.now;
    this.#log = createLogger({
      scope: "mixpanel",
      connection: connection.name,
    });

    const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.#pool = new Pool(new URL(connection.baseUrl).origin, {
      connections: this.#concurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connectTimeout: options.connectTimeoutMs ?? 10_000,
    });
    this.#transport = options.dryRunDir
      ? new DryRunTransport(options.dryRunDir, connection.baseUrl)
      : new Transport({
          pool: this.#pool,
          connection,
          policy: retryPolicy(options.retry),
          requestTimeoutMs,
          log: this.#log,
          limiter: new IngestionLimiter(rateLimitOf(connection, options)),
        });
  }

  /** Sends events to `/import?strict=1`; rejected ones are reported. */
  importEvents(
    events: readonly MixpanelEvent[],
    options: CallOptions = {},
  ): Promise<SendResult> {
    return this.#sendAll("events", events, options);
  }

  /** Sends user-profile updates to `/engage` (adds `$token` if missing). */
  updateUsers(
    updates: readonly ProfileUpdate[],
    options: CallOptions = {},
  ): Promise<SendResult> {
    return this.#sendAll("users", updates, options);
  }

  /** Sends group-profile updates to `/groups` (adds `$token` if missing). */
  updateGroups(
    updates: readonly ProfileUpdate[],
    options: CallOptions = {},
  ): Promise<SendResult> {
    return this.#sendAll("groups", updates, options);
  }

  /**
   * A pipelined sender for streams of records; see sender.ts for the
   * sequence and backpressure rules.
   */
  createSender<K>(
    kind: "events",
    options?: SenderOptions<K>,
  ): MixpanelSender<MixpanelEvent, K>;
  createSender<K>(
    kind: "users" | "groups",
    options?: SenderOptions<K>,
  ): MixpanelSender<ProfileUpdate, K>;
  createSender<K>(
    kind: RecordKind,
    options: SenderOptions<K> = {},
  ): MixpanelSender<MixpanelEvent | ProfileUpdate, K> {
    const limits = kind === "events" ? this.#events : this.#profiles;
    const endpoint: Endpoint = { ...ENDPOINTS[kind], query: this.#query(kind) };
    const base: Omit<DeliveryContext, "counters" | "signal"> = {
      connection: this.connection.name,
      transport: this.#transport,
      endpoint,
      kind,
      gzipLevel: kind === "events" ? this.#gzipLevel : 0,
      log: this.#log,
    };
    return new MixpanelSender(
      {
        limits,
        format: kind === "events" ? "ndjson" : "array",
        concurrency: this.#concurrency,
        prepare:
          kind === "events"
            ? eventPreparer(this.#now, this.#identityMode)
            : profilePreparer(
                kind === "users" ? "user" : "group",
                this.connection.token,
              ),
        deliver: (part, idempotent, signal, counters) =>
          deliver({ ...base, signal, counters }, part, idempotent),
      },
      options,
    );
  }

  /** Closes the connection pool (waits for requests in flight). */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async #sendAll(
    kind: RecordKind,
    records: readonly (MixpanelEvent | ProfileUpdate)[],
    options: CallOptions,
  ): Promise<SendResult> {
    const result: SendResult = {
      delivered: 0,
      rejected: [],
      requests: 0,
      retries: 0,
    };
    const sender = this.createSender<number>(kind as "events", {
      signal: options.signal,
      onBatch: (ack) => {
        result.delivered += ack.delivered.length;
        for (const { key, json: _json, ...rest } of ack.rejected) {
          result.rejected.push({ index: key, ...rest });
        }
      },
    });
    for (let i = 0; i < records.length; i++) {
      await sender.push(records[i] as MixpanelEvent, i);
    }
    const stats = await sender.flush();
    result.requests = stats.requests;
    result.retries = stats.retries;
    result.rejected.sort((a, b) => a.index - b.index);
    return result;
  }

  #query(kind: RecordKind): string {
    if (kind !== "events") return "verbose=1&ip=0";
    const projectId = this.connection.projectId;
    return projectId === undefined
      ? "strict=1"
      : `strict=1&project_id=${encodeURIComponent(projectId)}`;
  }
}
