/**
 * Where the demo's warehouse lives: `DEMO_WAREHOUSE_URL` when set,
 * otherwise a database `backflow_demo` on the server that holds the
 * metadata store (the project's embedded PostgreSQL unless
 * `BACKFLOW_DATABASE_URL` names another), created on first use.
 */
import pg from "pg";
import { ConfigError } from "../errors.ts";
import { ensureEmbeddedServer } from "../store/embedded/embedded-server.ts";
import { registerUrlSecret } from "../util/redact.ts";

export const DEMO_DATABASE = "backflow_demo";

export interface DemoWarehouse {
  /** Connection URL, password included (a registered secret). */
  readonly url: string;
  /** Which setting chose it, for the summary. */
  readonly source: "DEMO_WAREHOUSE_URL" | "BACKFLOW_DATABASE_URL" | "embedded";
}

export interface DemoWarehouseOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The project whose embedded server to use (default: cwd). */
  readonly projectDir?: string;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function ensureDatabase(serverUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on("error", () => {});
  try {
    await client.connect();
    const found = await client.query(
      "select 1 from pg_database where datname = $1",
      [DEMO_DATABASE],
    );
    if (found.rowCount === 0) {
      await client.query(`create database ${DEMO_DATABASE}`);
    }
  } catch (error) {
    // 42P04: a demo starting at the same time created it first.
    if ((error as { code?: unknown }).code === "42P04") return;
    throw new ConfigError(
      `could not create the demo database "${DEMO_DATABASE}" next to the ` +
        `metadata store: ${(error as Error).message}. Set ` +
        `DEMO_WAREHOUSE_URL to a database the demo may write to`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Finds (and if needed creates) the demo's warehouse database. */
export async function demoWarehouse(
  options: DemoWarehouseOptions = {},
): Promise<DemoWarehouse> {
  const env = options.env ?? process.env;
  const explicit = env.DEMO_WAREHOUSE_URL?.trim();
  if (explicit) {
    registerUrlSecret(explicit);
    return { url: explicit, source: "DEMO_WAREHOUSE_URL" };
  }

  const store = env.BACKFLOW_DATABASE_URL?.trim();
  const serverUrl = store
    ? store
    : (
        await ensureEmbeddedServer(
          options.projectDir ? { projectDir: options.projectDir } : {},
        )
      ).url;
  registerUrlSecret(serverUrl);
  await ensureDatabase(serverUrl);
  const url = withDatabase(serverUrl, DEMO_DATABASE);
  registerUrlSecret(url);
  return { url, source: store ? "BACKFLOW_DATABASE_URL" : "embedded" };
}
