/**
 * Loads the Pagila sample database from ../shared/data/pagila into a fresh
 * test database, using only `pg` (no psql on a user's machine): plain
 * statements run as they are, `COPY … FROM stdin` blocks stream through
 * pg-copy-streams.
 *
 * A user's clone has no ../shared; tests that need Pagila skip there (see
 * `pagilaAvailable`) and always run in CI.
 */
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createTestDatabase, type TestDatabase } from "./database.ts";

export const pagilaDir = new URL(
  "../../../shared/data/pagila/",
  import.meta.url,
).pathname;

export const pagilaAvailable = existsSync(join(pagilaDir, "pagila-data.sql"));

export const skipWithoutPagila = pagilaAvailable
  ? false
  : "needs ../shared/data/pagila (present in CI, absent in a user's clone)";

async function loadData(client: pg.Client, file: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(file) });
  let statement = "";
  let copyRows: string[] | undefined;
  let copyCommand = "";

  for await (const line of lines) {
    if (copyRows) {
      if (line === "\\.") {
        const rows = copyRows;
        await pipeline(
          Readable.from(rows.map((r) => r + "\n")),
          client.query(copyFrom(copyCommand)),
        );
        copyRows = undefined;
      } else {
        copyRows.push(line);
      }
      continue;
    }
    if (line.startsWith("COPY ") && line.endsWith("FROM stdin;")) {
      copyCommand = line.slice(0, -1);
      copyRows = [];
      continue;
    }
    if (line.startsWith("--") || line.trim() === "") continue;
    statement += line + "\n";
    if (line.trimEnd().endsWith(";")) {
      await client.query(statement);
      statement = "";
    }
  }
}

/** Creates a database holding Pagila; the caller drops it. */
export async function loadPagila(): Promise<TestDatabase> {
  const db = await createTestDatabase("pagila");
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(
      await readFile(join(pagilaDir, "pagila-schema.sql"), "utf8"),
    );
    await loadData(client, join(pagilaDir, "pagila-data.sql"));
  } finally {
    await client.end();
  }
  return db;
}
