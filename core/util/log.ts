/**
 * Structured logging: one JSON object per line on stderr, scoped by DAG, run
 * and task. Quiet by default (warnings and errors only); set
 * `BACKFLOW_LOG_LEVEL=info|debug` for more. Every line passes through the
 * secret redactor.
 */
import { ConfigError } from "../errors.ts";
import { redact } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

const ORDER: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
};

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger whose every line carries `scope` as well. */
  child(scope: LogFields): Logger;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stderr.write(line + "\n");

/**
 * Redirects every logger's output (tests capture it this way, and a live
 * terminal view shows it above itself); returns the sink it replaced.
 */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

/**
 * Checks `BACKFLOW_LOG_LEVEL` once at start, so that a typo is an error
 * naming the variable rather than a silently quiet log.
 * @throws ConfigError for a value that is not a level
 */
export function checkLogLevel(env: NodeJS.ProcessEnv = process.env): void {
  const raw = env.BACKFLOW_LOG_LEVEL?.trim();
  if (!raw || Object.hasOwn(ORDER, raw)) return;
  throw new ConfigError(
    `BACKFLOW_LOG_LEVEL must be one of ${Object.keys(ORDER).join(", ")}, ` +
      `got "${raw}"`,
  );
}

function threshold(): number {
  const raw = process.env.BACKFLOW_LOG_LEVEL;
  if (process.env.BACKFLOW_DEBUG === "1") return ORDER.debug;
  return raw && raw in ORDER ? ORDER[raw as LogLevel] : ORDER.warn;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, code };
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

export function createLogger(scope: LogFields = {}): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (ORDER[level] < threshold()) return;
    const record: LogFields = {
      time: new Date().toISOString(),
      level,
      event,
      ...scope,
    };
    for (const [key, value] of Object.entries(fields)) {
      record[key] = serialise(value);
    }
    sink(redact(JSON.stringify(record)));
  };

  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    child: (more) => createLogger({ ...scope, ...more }),
  };
}

export const rootLogger = createLogger();
