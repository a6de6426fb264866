/**
 * Errors of a Postgres source. The message names the connection (never its
 * URL or password), carries PostgreSQL's own message, SQLSTATE and the place
 * in the query it points at, and says what to do for the common cases.
 */
import { BackflowError, errorMessage } from "../errors.ts";
import { redact } from "../util/redact.ts";

export interface SourceErrorDetails {
  /** Name of the Postgres connection. */
  readonly connection: string;
  /** PostgreSQL's SQLSTATE code, e.g. "57014". */
  readonly sqlState?: string | undefined;
  /** 1-based character position in the query, when PostgreSQL gives one. */
  readonly position?: number | undefined;
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class SourceError extends BackflowError {
  readonly connection: string;
  readonly sqlState: string | undefined;
  readonly position: number | undefined;

  constructor(message: string, details: SourceErrorDetails) {
    super("SOURCE_QUERY", redact(message), {
      cause: details.cause,
      retryable: details.retryable ?? false,
    });
    this.connection = details.connection;
    this.sqlState = details.sqlState;
    this.position = details.position;
  }
}

interface PgErrorFields {
  code?: unknown;
  position?: unknown;
  detail?: unknown;
  hint?: unknown;
}

export interface ErrorContext {
  readonly connection: string;
  /** The statement that failed, to show where `position` points. */
  readonly query?: string;
  /** Characters sent before `query` (a cursor declaration, say). */
  readonly queryOffset?: number;
  readonly statementTimeoutMs?: number;
}

// Connection trouble, server restarts, serialization failures and
// deadlocks may pass on a second try; a bad query never does.
const RETRYABLE_STATES = /^(08|53|57P0|40001|40P01)/;
const RETRYABLE_NODE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
]);

/** Wraps anything a query threw into a `SourceError`. */
export function toSourceError(error: unknown, context: ErrorContext) {
  if (error instanceof SourceError) return error;
  const fields = (typeof error === "object" && error ? error : {}) as
    PgErrorFields | Record<string, never>;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const sqlState = code && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  const sent = Number(fields.position) || undefined;
  const position = sent && sent - (context.queryOffset ?? 0);

  const parts = [`connection "${context.connection}": ${errorMessage(error)}`];
  if (sqlState) parts.push(` (SQLSTATE ${sqlState})`);
  if (typeof fields.detail === "string") parts.push(`\n${fields.detail}`);
  if (typeof fields.hint === "string") parts.push(`\nhint: ${fields.hint}`);
  if (position && position > 0 && context.query) {
    parts.push(`\n${pointAt(context.query, position)}`);
  }
  const timeout = context.statementTimeoutMs;
  if (timeout && /statement timeout/.test(errorMessage(error))) {
    parts.push(
      `\nthe query ran past the statement timeout of connection ` +
        `"${context.connection}" (${timeout} ms); make it ` +
        `cheaper or raise statementTimeoutMs`,
    );
  }

  const retryable =
    (sqlState !== undefined && RETRYABLE_STATES.test(sqlState)) ||
    (code !== undefined && RETRYABLE_NODE_CODES.has(code)) ||
    /Connection terminated/i.test(errorMessage(error));
  return new SourceError(parts.join(""), {
    connection: context.connection,
    sqlState,
    position,
    retryable,
    cause: error,
  });
}

/** The query line holding `position`, with a caret under that character. */
function pointAt(query: string, position: number): string {
  const before = query.slice(0, position - 1);
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = query.indexOf("\n", lineStart);
  const line = query.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const column = position - 1 - lineStart;
  const lineNo = before.split("\n").length;

  const from = Math.max(0, column - 60);
  const shown = line.slice(from, column + 60);
  return (
    `at line ${lineNo}, column ${column + 1} of the query:\n` +
    `  ${shown}\n  ${" ".repeat(column - from)}^`
  );
}
