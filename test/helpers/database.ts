/**
 * Databases for tests: each test file creates its own on the server named by
 * BACKFLOW_TEST_DATABASE_URL (test/run.mjs starts an embedded one when unset)
 * and drops it afterwards.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.BACKFLOW_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      "BACKFLOW_TEST_DATABASE_URL is not set: run the suite with `npm test` " +
        "or `node test/run.mjs`, which provide a PostgreSQL server",
    );
  }
  return url;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createTestDatabase(
  prefix = "bf_test",
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }

  return {
    name,
    url: withDatabase(serverUrl(), name),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
