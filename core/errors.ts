/**
 * The error taxonomy of backflow. Every error a user can meet is a
 * `BackflowError` with a stable `code`; retry decisions and tests look at the
 * code or the class, never at the message text.
 */
export type ErrorCode =
  | "CONFIG_INVALID"
  | "USAGE"
  | "GRAPH_CYCLE"
  | "GRAPH_UNKNOWN_TASK"
  | "DAG_INVALID"
  | "DAG_DUPLICATE_TASK"
  | "DAG_NOT_FOUND"
  | "MIXPANEL_AUTH"
  | "MIXPANEL_RATE_LIMITED"
  | "MIXPANEL_SERVER"
  | "MIXPANEL_NETWORK"
  | "MIXPANEL_BAD_REQUEST"
  | "MIXPANEL_RETRIES_EXHAUSTED"
  | "SOURCE_QUERY"
  | "STORE"
  | "TASK_FAILED"
  | "ABORTED"
  | "RUN_CANCELLED"
  | "MIRROR_REFUSED"
  | "SCHEDULE_INVALID"
  | "TASK_TIMEOUT"
  | "WAIT_TIMEOUT"
  | "UPSTREAM_FAILED"
  | "NOTIFY_FAILED"
  | "ACTION_REFUSED"
  | "FILE_WRITE";

export interface BackflowErrorOptions {
  cause?: unknown;
  /** Whether repeating the same work may succeed (default: false). */
  retryable?: boolean;
}

export class BackflowError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: BackflowErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A configuration value is missing or malformed; never worth retrying. */
export class ConfigError extends BackflowError {
  constructor(message: string, options: BackflowErrorOptions = {}) {
    super("CONFIG_INVALID", message, options);
  }
}

/** The command line was used wrongly (exit code 2). */
export class UsageError extends BackflowError {
  constructor(message: string) {
    super("USAGE", message);
  }
}

/** Coerces anything thrown into a message safe to show (secrets redacted). */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
