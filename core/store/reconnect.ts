/**
 * Rides out a restart of the metadata store's server: while the server is
 * down or starting, taking a connection from the pool is retried with
 * backoff instead of failing the task that wanted to write a checkpoint.
 *
 * Rules:
 * 1. Only failures to *connect* are retried (refused, reset or timed out
 *    while connecting; the server starting up, shutting down or full), so a
 *    retried statement has certainly not run: nothing is written twice.
 *    A statement cut off mid-flight fails as before.
 * 2. Only a store that was reached once is waited for. A store never
 *    reached (a wrong URL, a server that is not there) fails at once.
 * 3. The wait is bounded by `BACKFLOW_STORE_RECONNECT_MS` (default 30000;
 *    0 turns waiting off); backoff doubles from 50 ms up to 1 s.
 */
import type pg from "pg";

import { ConfigError } from "../errors.ts";

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]);
// cannot_connect_now, admin_shutdown, crash_shutdown, too_many_connections.
const SERVER = new Set(["57P03", "57P01", "57P02", "53300"]);

/** Whether a failure to connect is worth another try. */
export function isTransientConnectError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (NETWORK.has(code) || SERVER.has(code))) {
    return true;
  }
  const message = error instanceof Error ? error.message : "";
  return /timeout exceeded when trying to connect|Connection terminated/i.test(
    message,
  );
}

/** The reconnect budget from the environment, in milliseconds. */
export function reconnectBudgetFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env.BACKFLOW_STORE_RECONNECT_MS?.trim();
  if (raw === undefined || raw === "") return 30_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigError(
      `BACKFLOW_STORE_RECONNECT_MS must be a whole number of ms (0 or ` +
        `more), got "${raw}"`,
    );
  }
  return value;
}

type Connect = () => Promise<pg.PoolClient>;

async function connectRetrying(
  connect: Connect,
  budgetMs: number,
  reachedOnce: () => boolean,
): Promise<pg.PoolClient> {
  const started = Date.now();
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await connect();
    } catch (error) {
      const waited = Date.now() - started;
      const retry =
        reachedOnce() &&
        isTransientConnectError(error) &&
        waited + delay <= budgetMs;
      if (!retry) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Makes `pool.connect` (which `pool.query` and every transaction use)
 * wait for a restarting server, as described above.
 */
export function reconnectOnRestart(pool: pg.Pool, budgetMs: number): void {
  if (budgetMs <= 0) return;
  let reached = false;
  const original = pool.connect.bind(pool) as Connect;
  const connect = async () => {
    const client = await connectRetrying(original, budgetMs, () => reached);
    reached = true;
    return client;
  };
  type Callback = (
    error: Error | undefined,
    client?: pg.PoolClient,
    done?: (release?: unknown) => void,
  ) => void;
  pool.connect = ((callback?: Callback) => {
    const promise = connect();
    if (!callback) return promise;
    promise.then(
      (client) =>
        callback(undefined, client, (e) => client.release(e as Error)),
      (error: Error) => callback(error),
    );
    return undefined;
  }) as typeof pool.connect;
}
