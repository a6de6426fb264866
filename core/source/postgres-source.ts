/**
 * A named PostgreSQL connection that tasks read from (and, for `sql` tasks,
 * write to). Reads run in read-only transactions with a statement timeout
 * and stream in batches; values are normalised by the rules in
 * `type-parsers.ts`.
 *
 * @example
 * const source = new PostgresSource({ name: "warehouse", url });
 * for await (const rows of source.stream(sql`select * from orders`)) {
 *   // rows: up to 5000 rows
 * }
 * await source.close();
 */
import pg from "pg";
import { ConfigError } from "../errors.ts";
import { createLogger } from "../util/log.ts";
import { redactUrl, registerUrlSecret } from "../util/redact.ts";
import { bindValues } from "./bind-values.ts";
import { streamCopy, type CopyPage } from "./copy-stream.ts";
import { describeQuery, type ColumnDescription } from "./describe.ts";
import { streamRows, type StreamOptions } from "./read-stream.ts";
import {
  abortedError,
  Session,
  type Rows,
  type SourceContext,
} from "./session.ts";
import { toSourceError } from "./source-error.ts";
import type { SqlQuery } from "./sql.ts";
import { TypeParsers } from "./type-parsers.ts";
import { parseZone } from "./zone.ts";

export interface PostgresSourceConfig {
  /** The connection's name, shown in errors and logs. */
  readonly name: string;
  /** A `postgres://` URL; its password is redacted everywhere. */
  readonly url: string;
  /**
   * The zone of the warehouse's `timestamp without time zone` values: an
   * IANA name or a UTC offset such as "+05:30" (default: "UTC"). It is also
   * the session time zone of every transaction.
   */
  readonly timezone?: string;
  /** Longest a single statement may run (default: 300000, 5 minutes). */
  readonly statementTimeoutMs?: number;
  /** Most connections open at once (default: 4). */
  readonly poolSize?: number;
}

export interface ExecuteOptions {
  /** Cancels the statement and rolls back. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_POOL_SIZE = 4;
const CONNECT_TIMEOUT_MS = 30_000;

export class PostgresSource {
  readonly name: string;
  /** The declared zone, as given (default: "UTC"). */
  readonly timezone: string;
  readonly statementTimeoutMs: number;
  readonly #ctx: SourceContext;

  constructor(config: PostgresSourceConfig) {
    registerUrlSecret(config.url);
    this.name = config.name;
    this.timezone = config.timezone ?? "UTC";
    this.statementTimeoutMs = positive(
      config,
      "statementTimeoutMs",
      DEFAULT_STATEMENT_TIMEOUT_MS,
    );
    const poolSize = positive(config, "poolSize", DEFAULT_POOL_SIZE);
    checkUrl(config);

    const zone = parseZone(this.timezone, config.name);
    const parsers = new TypeParsers(zone);
    const clientConfig: pg.ClientConfig = {
      connectionString: config.url,
      types: parsers.config,
      application_name: `backflow:${config.name}`,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    };
    const pool = new pg.Pool({
      ...clientConfig,
      max: poolSize,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    const log = createLogger({ scope: "source", connection: config.name });
    // An idle connection dropped by the server must not crash the process;
    // the next query opens a fresh one.
    pool.on("error", (error) => log.warn("source.idle_error", { error }));
    // pool.end() resolves before its sockets close; an error on a closing
    // connection must not crash the process. A query in flight still gets
    // the error through its own promise.
    pool.on("connect", (client) => client.on("error", () => {}));

    this.#ctx = {
      name: config.name,
      pool,
      clientConfig,
      zone,
      statementTimeoutMs: this.statementTimeoutMs,
      parsers,
      log,
    };
  }

  /**
   * Streams the rows of a read query in batches, in a read-only
   * transaction. Breaking out of the loop rolls the transaction back.
   * @throws SourceError (code SOURCE_QUERY), or BackflowError ABORTED
   */
  stream<Row>(
    query: SqlQuery<Row>,
    options?: StreamOptions,
  ): AsyncIterable<Row[]> {
    return streamRows(this.#ctx, query, options);
  }

  /**
   * Streams the rows of a read query as COPY text pages (see
   * `copy-stream.ts`): the fast path. `page.toRows()` gives what `stream`
   * would have.
   * @throws SourceError (code SOURCE_QUERY), or BackflowError ABORTED
   */
  streamCopy(
    query: SqlQuery,
    options?: StreamOptions,
  ): AsyncIterable<CopyPage> {
    return streamCopy(this.#ctx, query, options);
  }

  /** The result columns of a query, read without running it to any row. */
  describe(query: SqlQuery): Promise<ColumnDescription[]> {
    return describeQuery(this.#ctx, query);
  }

  /**
   * Runs a write statement in its own transaction with the statement
   * timeout. Without parameters the text may hold several statements.
   * @returns the number of rows the statement(s) affected
   */
  async execute(
    query: SqlQuery,
    options: ExecuteOptions = {},
  ): Promise<number> {
    const { signal } = options;
    if (signal?.aborted) throw abortedError(this.name, signal);
    const values = bindValues(query.values, {
      connection: this.name,
      zone: this.#ctx.zone,
    });

    const session = await Session.open(this.#ctx, false);
    const unwatch = session.watch(signal);
    let ok = false;
    try {
      const result = await session.query(
        values.length ? { text: query.text, values } : query.text,
      );
      ok = true;
      return rowCount(result as Rows<unknown> | Rows<unknown>[]);
    } catch (error) {
      if (signal?.aborted) throw abortedError(this.name, signal);
      throw toSourceError(error, {
        connection: this.name,
        query: query.text,
        statementTimeoutMs: this.statementTimeoutMs,
      });
    } finally {
      unwatch();
      await session.end(ok);
    }
  }

  /** Connects and runs `select 1` in a read-only transaction. */
  async ping(): Promise<void> {
    const session = await Session.open(this.#ctx, true);
    try {
      await session.query("select 1");
    } catch (error) {
      throw toSourceError(error, { connection: this.name });
    } finally {
      await session.end(false);
    }
  }

  /** Closes every pooled connection. */
  async close(): Promise<void> {
    await this.#ctx.pool.end();
  }
}

function rowCount(result: Rows<unknown> | Rows<unknown>[]): number {
  const results = Array.isArray(result) ? result : [result];
  return results.reduce((sum, r) => sum + (r.rowCount ?? 0), 0);
}

function positive(
  config: PostgresSourceConfig,
  key: "statementTimeoutMs" | "poolSize",
  fallback: number,
): number {
  const value = config[key] ?? fallback;
  if (Number.isInteger(value) && value > 0) return value;
  throw new ConfigError(
    `connection "${config.name}": ${key} must be a positive integer`,
  );
}

function checkUrl(config: PostgresSourceConfig): void {
  let protocol = "";
  try {
    protocol = new URL(config.url).protocol;
  } catch {
    // Reported below.
  }
  if (protocol === "postgres:" || protocol === "postgresql:") return;
  throw new ConfigError(
    `connection "${config.name}": url is not a postgres:// URL ` +
      `(got ${protocol ? redactUrl(config.url) : "text that is not a URL"})`,
  );
}
