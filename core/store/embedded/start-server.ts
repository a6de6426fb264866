/**
 * Starts the embedded server as a detached process (its own session), so
 * it outlives the backflow process that started it and is shared by every
 * later one. It listens on 127.0.0.1 only, on a free port (never 5432),
 * without a Unix socket, and writes its log to `postgres.log`.
 */
import { spawn } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { StoreError } from "../store-error.ts";
import type { EmbeddedPaths } from "./embedded-paths.ts";
import { serverEnv } from "./init-cluster.ts";
import { probe } from "./probe.ts";
import { sleep } from "./processes.ts";
import type { ServerBinaries } from "./server-binaries.ts";
import type { ServerUser } from "./server-user.ts";

export interface StartOptions {
  readonly paths: EmbeddedPaths;
  readonly binaries: ServerBinaries;
  readonly user: ServerUser | undefined;
  readonly port: number;
  /** A URL of the `postgres` database, to see when the server is up. */
  readonly probeUrl: (port: number) => string;
  readonly timeoutMs: number;
}

export async function startServer(options: StartOptions): Promise<number> {
  const { paths, user } = options;
  const log = await open(paths.log, "a", 0o600);
  const logStart = (await log.stat()).size;
  const child = spawn(
    options.binaries.postgres,
    [
      ...["-D", paths.data, "-p", String(options.port)],
      ...["-c", "listen_addresses=127.0.0.1"],
      ...["-c", "unix_socket_directories="],
      ...["-c", "timezone=UTC", "-c", "log_timezone=UTC"],
    ],
    {
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
      env: serverEnv(),
      ...(user ?? {}),
    },
  );
  await log.close();

  let exit: string | undefined;
  child.once("exit", (code, signal) => (exit = `${code ?? signal}`));
  child.once("error", (error) => (exit = error.message));
  child.unref();

  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (exit !== undefined) break;
    const state = await probe(options.probeUrl(options.port), 1000);
    if (state === "ready") return child.pid ?? 0;
    if (state === "auth-failed") throw passwordMismatch(paths);
    await sleep(100);
  }

  if (exit === undefined) child.kill("SIGQUIT");
  const tail = await logTail(paths.log, logStart);
  const message =
    `the embedded PostgreSQL in ${paths.data} did not start ` +
    `${exit === undefined ? `within ${options.timeoutMs} ms` : `(exit ${exit})`}` +
    `; its log ${paths.log} says:\n${tail}`;
  // The port may have been taken between choosing and binding it, or the
  // processes of a killed server may still hold its shared memory for a
  // moment: both pass on another try.
  const retryable = /could not bind|already in use|shared memory block/i;
  throw new StoreError(message, { retryable: retryable.test(tail) });
}

export function passwordMismatch(paths: EmbeddedPaths): StoreError {
  return new StoreError(
    `the embedded PostgreSQL in ${paths.data} refuses the password in ` +
      `${paths.password}; if that file was replaced, stop the server ` +
      `(backflow db stop) and delete ${paths.dir} to start afresh`,
  );
}

async function logTail(path: string, from: number): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  const lines = text.slice(from).trim().split("\n");
  return lines.slice(-8).join("\n") || "(nothing)";
}

/** A port free right now on 127.0.0.1, preferring `wanted`. */
export async function freePort(wanted?: number): Promise<number> {
  if (wanted && (await canListen(wanted))) return wanted;
  return listenOnce(0);
}

async function canListen(port: number): Promise<boolean> {
  try {
    return (await listenOnce(port)) === port;
  } catch {
    return false;
  }
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}
