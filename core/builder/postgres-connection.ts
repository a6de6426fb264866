/**
 * `postgres(name, config)`: a named warehouse connection. Its `query` tag
 * makes a source query bound to it; the row type given to the tag flows into
 * the mapping of the task that reads it.
 */
import { ConfigError } from "../errors.ts";
import { sql, type SqlQuery } from "../source/sql.ts";
import { parseZone } from "../source/zone.ts";
import { registerUrlSecret } from "../util/redact.ts";
import {
  isEnvRef,
  resolveConfigurable,
  type Configurable,
  type EnvSource,
} from "./env.ts";
import { assertId } from "./names.ts";

export interface PostgresConfig {
  /** Connection string, usually `env("WAREHOUSE_URL")`. */
  url: Configurable<string>;
  /**
   * Zone in which `timestamp without time zone` values are read: an IANA
   * name or a UTC offset such as "+05:30" (default: "UTC"; never the
   * machine's zone).
   */
  timezone?: string;
  /** Per-statement timeout (default: the source reader's default). */
  statementTimeoutMs?: number;
}

/** A connection after its environment values were read. */
export interface ResolvedPostgresConnection {
  readonly name: string;
  /** Never log it; its password is registered with the redactor. */
  readonly url: string;
  readonly timezone: string;
  readonly statementTimeoutMs: number | undefined;
}

/** A query that reads rows of type `Row` from a warehouse connection. */
export interface SourceQuery<Row = Record<string, unknown>> {
  readonly connection: PostgresConnection;
  readonly query: SqlQuery<Row>;
}

export interface PostgresConnection {
  readonly kind: "postgres";
  readonly name: string;
  readonly timezone: string;
  readonly statementTimeoutMs: number | undefined;
  /**
   * Tags a read query; interpolations are bound parameters.
   *
   * @example
   * warehouse.query<OrderRow>`select * from orders where id > ${10}`
   */
  query<Row = Record<string, unknown>>(
    strings: TemplateStringsArray,
    ...values: unknown[]
  ): SourceQuery<Row>;
  /**
   * Reads the URL from the environment and validates it.
   * @throws ConfigError naming the variable or the problem
   */
  resolve(source?: EnvSource): ResolvedPostgresConnection;
}

const made = new WeakSet<object>();

export function isPostgresConnection(
  value: unknown,
): value is PostgresConnection {
  return typeof value === "object" && value !== null && made.has(value);
}

/** @param from the variable the URL came from, for the message */
function checkUrl(name: string, url: unknown, from?: string): string {
  const field = from ? `url (from ${from})` : "url";
  if (typeof url !== "string") {
    throw new ConfigError(`postgres connection "${name}": ${field} is missing`);
  }
  registerUrlSecret(url);
  let protocol = "";
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Reported below without echoing the value, which may hold a password.
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    throw new ConfigError(
      `postgres connection "${name}": ${field} must look like ` +
        `postgres://user:password@host:5432/database`,
    );
  }
  return url;
}

/**
 * Declares a warehouse connection.
 *
 * @example
 * const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
 *
 * Note: nothing connects and no variable is read until a run resolves it.
 */
export function postgres(
  name: string,
  config: PostgresConfig,
): PostgresConnection {
  assertId(name, "postgres connection name");
  const timezone = config.timezone ?? "UTC";
  // Throws a ConfigError naming the connection for an unknown zone.
  parseZone(timezone, name);
  const timeout = config.statementTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new ConfigError(
      `postgres connection "${name}": statementTimeoutMs must be a ` +
        `positive whole number of milliseconds`,
    );
  }

  const connection: PostgresConnection = Object.freeze({
    kind: "postgres" as const,
    name,
    timezone,
    statementTimeoutMs: timeout,
    query<Row>(strings: TemplateStringsArray, ...values: unknown[]) {
      const query = sql<Row>(strings, ...values);
      return Object.freeze({ connection, query });
    },
    resolve(source?: EnvSource): ResolvedPostgresConnection {
      const usedBy = `postgres connection "${name}"`;
      const url = resolveConfigurable(config.url, usedBy, source);
      return Object.freeze({
        name,
        url: checkUrl(
          name,
          url,
          isEnvRef(config.url) ? config.url.name : undefined,
        ),
        timezone,
        statementTimeoutMs: timeout,
      });
    },
  });
  made.add(connection);
  return connection;
}
