/**
 * The project's embedded PostgreSQL, started on demand and shared by every
 * backflow process of the project.
 *
 * Lifecycle (for the README):
 * - The first backflow command that needs the metadata store, with
 *   BACKFLOW_DATABASE_URL unset, creates a cluster under
 *   `.backflow/postgres/` and starts a server on a free port of 127.0.0.1.
 * - The server keeps running after that command exits; every later command
 *   of the project, and any run at the same time, connects to it. Two
 *   commands starting at once get one server: starting happens under a lock
 *   file, and the server is found again through its `postmaster.pid`.
 * - A server left by a crashed or killed backflow process is simply reused.
 *   If the server itself died, the next command starts it again; PostgreSQL
 *   recovers its data from the write-ahead log.
 * - `backflow db status` shows the server (URL without password, pid, port,
 *   data folder, log); `backflow db stop` stops it. Nothing stops it
 *   automatically.
 * - Authentication is a random password kept in `.backflow/postgres/password`
 *   (mode 0600) rather than `trust`: every local user can reach 127.0.0.1,
 *   and a superuser connection is enough to run programs as the server's OS
 *   user, so the port alone must not grant access.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { registerSecret } from "../../util/redact.ts";
import { StoreError } from "../store-error.ts";
import { embeddedPaths, type EmbeddedPaths } from "./embedded-paths.ts";
import { withFileLock } from "./file-lock.ts";
import { initCluster } from "./init-cluster.ts";
import { probe } from "./probe.ts";
import { isAlive, isPostgres, sleep } from "./processes.ts";
import { serverBinaries } from "./server-binaries.ts";
import * as files from "./server-files.ts";
import { checkReachable, serverUser } from "./server-user.ts";
import { ensureDatabase, serverUrl } from "./server-url.ts";
import { freePort, passwordMismatch, startServer } from "./start-server.ts";

export interface EmbeddedServerOptions {
  /** The project whose `.backflow/` holds the server (default: cwd). */
  readonly projectDir?: string;
  /** Longest wait for the server to start (default: 60000). */
  readonly startTimeoutMs?: number;
}

export interface EmbeddedServer {
  /** URL of the store database, with the password (a registered secret). */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dataDir: string;
  readonly logFile: string;
  /** Whether this call started the server (false: it was running). */
  readonly started: boolean;
}

const START_ATTEMPTS = 3;

/** Returns the project's running server, starting it when needed. */
export async function ensureEmbeddedServer(
  options: EmbeddedServerOptions = {},
): Promise<EmbeddedServer> {
  const paths = embeddedPaths(options.projectDir);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const user = await serverUser();
  await files.prepareFolders(paths, user);
  if (user) await checkReachable(paths.dir, user);
  const password = await files.readOrCreatePassword(paths);
  registerSecret(password);

  const running = await files.readPostmaster(paths);
  if (running && isAlive(running.pid)) {
    const url = serverUrl(password, running.port);
    if ((await probe(url)) === "ready") {
      return describe(paths, url, running.pid, running.port, false);
    }
  }

  return withFileLock(
    paths.lock,
    {
      timeoutMs: timeoutMs * 2,
      staleMs: Math.max(120_000, timeoutMs * 2),
      onTimeout: (pid) =>
        new StoreError(
          `waited too long for backflow process ${pid ?? "?"} to start the ` +
            `embedded PostgreSQL in ${paths.dir}; if no such process runs, ` +
            `delete ${paths.lock}`,
        ),
    },
    () => startLocked(paths, password, timeoutMs),
  );
}

async function startLocked(
  paths: EmbeddedPaths,
  password: string,
  timeoutMs: number,
): Promise<EmbeddedServer> {
  const found = await files.readPostmaster(paths);
  if (found && isAlive(found.pid) && isPostgres(found.pid)) {
    const reused = await reuseLive(paths, password, found, timeoutMs);
    if (reused) return reused;
  }
  if (found) await files.markPostmasterStale(paths);

  const user = await serverUser();
  const binaries = await serverBinaries();
  if (!(await exists(join(paths.data, "PG_VERSION")))) {
    await initCluster(paths, binaries, user, password);
  }

  let port = await freePort((await files.readState(paths)).port);
  for (let attempt = 1; ; attempt++) {
    try {
      const pid = await startServer({
        paths,
        binaries,
        user,
        port,
        probeUrl: (p) => serverUrl(password, p, "postgres"),
        timeoutMs,
      });
      await files.writeState(paths, { port });
      await ensureDatabase(password, port);
      return describe(paths, serverUrl(password, port), pid, port, true);
    } catch (error) {
      if (!(error instanceof StoreError && error.retryable)) throw error;
      if (attempt >= START_ATTEMPTS) throw error;
      await sleep(300 * attempt);
      port = await freePort();
    }
  }
}

/** A live server, once it answers; undefined if it died meanwhile. */
async function reuseLive(
  paths: EmbeddedPaths,
  password: string,
  found: files.Postmaster,
  timeoutMs: number,
): Promise<EmbeddedServer | undefined> {
  const url = serverUrl(password, found.port, "postgres");
  if (await waitReady(paths, url, found.pid, timeoutMs)) {
    await ensureDatabase(password, found.port);
    const storeUrl = serverUrl(password, found.port);
    return describe(paths, storeUrl, found.pid, found.port, false);
  }
  if (!isAlive(found.pid)) return undefined;
  throw new StoreError(
    `the embedded PostgreSQL (pid ${found.pid}) in ${paths.data} runs but ` +
      `does not answer on port ${found.port}; see ${paths.log}, or stop it ` +
      `with backflow db stop`,
  );
}

async function waitReady(
  paths: EmbeddedPaths,
  url: string,
  pid: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    const state = await probe(url);
    if (state === "ready") return true;
    if (state === "auth-failed") throw passwordMismatch(paths);
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return false;
}

function describe(
  paths: EmbeddedPaths,
  url: string,
  pid: number,
  port: number,
  started: boolean,
): EmbeddedServer {
  return {
    url,
    port,
    pid,
    dataDir: paths.data,
    logFile: paths.log,
    started,
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
