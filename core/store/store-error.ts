/**
 * Errors of the metadata store: the embedded server would not start, a
 * migration failed, a query against the store failed. Messages say where
 * the store lives (URL without password, or data folder) and what to do.
 */
import { BackflowError, errorMessage } from "../errors.ts";
import { redact } from "../util/redact.ts";

export class StoreError extends BackflowError {
  constructor(
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super("STORE", redact(message), options);
  }
}

// Connection trouble and server restarts may pass on a second try.
const RETRYABLE = /^(08|53|57P0|40001|40P01)/;

/** Wraps a failed store query, keeping PostgreSQL's message. */
export function toStoreError(error: unknown, doing: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const state = typeof code === "string" ? code : "";
  const suffix = /^[0-9A-Z]{5}$/.test(state) ? ` (SQLSTATE ${state})` : "";
  return new StoreError(
    `metadata store: ${doing} failed: ${errorMessage(error)}${suffix}`,
    {
      cause: error,
      retryable:
        RETRYABLE.test(state) ||
        ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT"].includes(state),
    },
  );
}
