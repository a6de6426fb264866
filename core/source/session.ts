/**
 * One transaction on one pooled connection. Every session sets, for its
 * transaction only (`SET LOCAL`, so poolers such as PgBouncer in
 * transaction mode keep working): the statement timeout, the declared time
 * zone, and the output formats the type parsers expect.
 */
import pg from "pg";
import type { FieldDef, PoolClient, QueryConfig, QueryResult } from "pg";
import { to as copyTo, type CopyToStreamQuery } from "pg-copy-streams";
import { BackflowError } from "../errors.ts";
import type { Logger } from "../util/log.ts";
import { toSourceError } from "./source-error.ts";
import type { TypeParsers } from "./type-parsers.ts";
import type { Zone } from "./zone.ts";

/** What every operation of one source shares. */
export interface SourceContext {
  readonly name: string;
  readonly pool: pg.Pool;
  readonly clientConfig: pg.ClientConfig;
  readonly zone: Zone;
  readonly statementTimeoutMs: number;
  readonly parsers: TypeParsers;
  readonly log: Logger;
}

type Statement = QueryConfig & { queryMode?: "extended" };

/** A statement's result; several statements in one text give an array. */
export interface Rows<Row> {
  readonly rows: Row[];
  readonly fields: FieldDef[];
  readonly rowCount: number | null;
}

export class Session {
  #inFlight = false;
  #done = false;
  #cancelling: Promise<void> | undefined;

  private constructor(
    readonly ctx: SourceContext,
    readonly client: PoolClient,
    /** The server process, for cancelling a statement in flight. */
    readonly backendPid: number,
  ) {}

  static async open(ctx: SourceContext, readOnly: boolean): Promise<Session> {
    let client: PoolClient;
    try {
      client = await ctx.pool.connect();
    } catch (error) {
      throw toSourceError(error, { connection: ctx.name });
    }
    try {
      const results = (await client.query(
        setupSql(ctx, readOnly),
      )) as unknown as QueryResult<{ pid: number }>[];
      const pid = results[results.length - 1]?.rows[0]?.pid ?? 0;
      return new Session(ctx, client, pid);
    } catch (error) {
      client.release(true);
      throw toSourceError(error, { connection: ctx.name });
    }
  }

  async query<Row = Record<string, unknown>>(
    statement: Statement | string,
  ): Promise<Rows<Row>> {
    this.#inFlight = true;
    try {
      return (await this.client.query(statement)) as unknown as Rows<Row>;
    } finally {
      this.#inFlight = false;
    }
  }

  /**
   * Starts `COPY … TO STDOUT`; the statement counts as in flight (for
   * `watch` and `cancel`) until the stream ends or fails.
   */
  copyOut(text: string): CopyToStreamQuery {
    const stream = this.client.query(copyTo(text));
    this.#inFlight = true;
    const done = () => {
      this.#inFlight = false;
    };
    stream.once("end", done);
    stream.once("error", done);
    stream.once("close", done);
    return stream;
  }

  /** Asks the server to cancel the statement in flight, if any. */
  cancel(): void {
    if (this.#inFlight && !this.#done) this.#cancelling ??= this.#cancel();
  }

  /**
   * Drops the connection instead of ending the transaction: the way out of
   * a COPY that is still streaming (the server rolls back on its own).
   */
  discard(): void {
    if (this.#done) return;
    this.#done = true;
    this.client.release(true);
  }

  /** Cancels the statement in flight when `signal` aborts. */
  watch(signal: AbortSignal | undefined): () => void {
    if (!signal) return () => {};
    const onAbort = () => {
      if (this.#inFlight && !this.#done) this.#cancelling = this.#cancel();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    return () => signal.removeEventListener("abort", onAbort);
  }

  /** Commits or rolls back, then hands the connection back to the pool. */
  async end(commit: boolean): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    // A cancel request still on its way could otherwise hit the next user
    // of this pooled connection.
    await this.#cancelling;
    try {
      await this.client.query(commit ? "commit" : "rollback");
      this.client.release();
    } catch (error) {
      // A connection whose transaction state is unknown is not reused.
      this.client.release(true);
      if (commit) throw toSourceError(error, { connection: this.ctx.name });
    }
  }

  // pg's client can not interrupt its own statement, so a second, short
  // connection asks the server to cancel it.
  async #cancel(): Promise<void> {
    const canceller = new pg.Client(this.ctx.clientConfig);
    canceller.on("error", () => {});
    try {
      await canceller.connect();
      await canceller.query("select pg_cancel_backend($1)", [this.backendPid]);
    } catch (error) {
      this.ctx.log.warn("source.cancel_failed", { error });
    } finally {
      await canceller.end().catch(() => {});
    }
  }
}

function setupSql(ctx: SourceContext, readOnly: boolean): string {
  return [
    readOnly ? "begin read only" : "begin",
    `set local statement_timeout = ${Math.floor(ctx.statementTimeoutMs)}`,
    `set local timezone = '${ctx.zone.sessionSetting}'`,
    "set local datestyle = 'ISO, YMD'",
    "set local intervalstyle = 'postgres'",
    "set local bytea_output = 'hex'",
    "set local extra_float_digits = 3",
    "select pg_backend_pid() as pid",
  ].join("; ");
}

/** The error to throw once `signal` has aborted the work of a source. */
export function abortedError(name: string, signal: AbortSignal): BackflowError {
  return new BackflowError("ABORTED", `connection "${name}": query aborted`, {
    cause: signal.reason,
  });
}
