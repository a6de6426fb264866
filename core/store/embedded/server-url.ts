/**
 * Connection URLs of the embedded server, and the store's database on it.
 */
import pg from "pg";
import { toStoreError } from "../store-error.ts";
import { SUPERUSER } from "./init-cluster.ts";

/** The database that holds backflow's tables. */
export const STORE_DATABASE = "backflow";

export function serverUrl(
  password: string,
  port: number,
  database = STORE_DATABASE,
): string {
  const secret = encodeURIComponent(password);
  return `postgres://${SUPERUSER}:${secret}@127.0.0.1:${port}/${database}`;
}

/** Creates the store's database unless it exists. */
export async function ensureDatabase(password: string, port: number) {
  const client = new pg.Client({
    connectionString: serverUrl(password, port, "postgres"),
  });
  client.on("error", () => {});
  try {
    await client.connect();
    const found = await client.query(
      "select 1 from pg_database where datname = $1",
      [STORE_DATABASE],
    );
    if (found.rowCount === 0) {
      await client.query(`create database ${STORE_DATABASE}`);
    }
  } catch (error) {
    // 42P04: created by a racing process in the meantime.
    if ((error as { code?: unknown }).code !== "42P04") {
      throw toStoreError(error, "creating the store database");
    }
  } finally {
    await client.end().catch(() => {});
  }
}
