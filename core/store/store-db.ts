/**
 * The store's connection pool and its one way to run a query: every
 * failure becomes a `StoreError` saying what the store was doing.
 */
import pg from "pg";
import { reconnectBudgetFromEnv, reconnectOnRestart } from "./reconnect.ts";
import { toStoreError } from "./store-error.ts";

// Ids and counters are bigint in the schema and fit a JS number; pg would
// return them as strings. Other types keep pg's parsers. Set on this pool
// only, never on pg's globals.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 && format !== "binary"
      ? Number
      : pg.types.getTypeParser(
          oid,
          format as "text",
        )) as pg.CustomTypesConfig["getTypeParser"],
};

export function createStorePool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    types,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: "backflow",
    connectionTimeoutMillis: 30_000,
  });
  // pool.end() resolves before its sockets close, so a server going away
  // just then (a stop, a dropped database) must not crash the process; an
  // active query still sees the error through its own promise.
  pool.on("connect", (client) => client.on("error", () => {}));
  pool.on("error", () => {});
  // A store restarted mid-run is waited for, not a failed task.
  reconnectOnRestart(pool, reconnectBudgetFromEnv());
  return pool;
}

export class StoreDb {
  constructor(readonly pool: pg.Pool) {}

  async rows<Row>(
    doing: string,
    text: string,
    values: readonly unknown[] = [],
  ): Promise<Row[]> {
    try {
      const result = await this.pool.query(text, values as unknown[]);
      return result.rows as Row[];
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }

  async one<Row>(
    doing: string,
    text: string,
    values: readonly unknown[] = [],
  ): Promise<Row | undefined> {
    return (await this.rows<Row>(doing, text, values))[0];
  }
}
