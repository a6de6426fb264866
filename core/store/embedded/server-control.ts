/**
 * Looking at and stopping a project's embedded server, for
 * `backflow db status` and `backflow db stop`. Neither starts anything.
 */
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { redactUrl, registerSecret } from "../../util/redact.ts";
import { StoreError } from "../store-error.ts";
import { embeddedPaths } from "./embedded-paths.ts";
import { withFileLock } from "./file-lock.ts";
import { probe } from "./probe.ts";
import { isAlive, isPostgres, sleep } from "./processes.ts";
import { readPostmaster, readState } from "./server-files.ts";
import { serverUrl } from "./server-url.ts";

export interface EmbeddedServerStatus {
  readonly projectDir: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Whether a cluster exists in the data folder. */
  readonly initialised: boolean;
  /** Whether a live server process owns the data folder. */
  readonly running: boolean;
  /** Whether that server answers on its port. */
  readonly accepting: boolean;
  readonly pid?: number;
  /** The running server's port, or the one it will try next. */
  readonly port?: number;
  /** The store's URL with the password masked. */
  readonly url?: string;
}

export async function embeddedServerStatus(
  projectDir?: string,
): Promise<EmbeddedServerStatus> {
  const paths = embeddedPaths(projectDir);
  const initialised = await stat(join(paths.data, "PG_VERSION")).then(
    () => true,
    () => false,
  );
  const postmaster = await readPostmaster(paths);
  const running =
    postmaster !== undefined &&
    isAlive(postmaster.pid) &&
    isPostgres(postmaster.pid);
  const port = running ? postmaster.port : (await readState(paths)).port;
  const password = (
    await readFile(paths.password, "utf8").catch(() => "")
  ).trim();
  registerSecret(password);

  const url = port && password ? serverUrl(password, port) : undefined;
  const accepting =
    running && url !== undefined && (await probe(url)) === "ready";
  return {
    projectDir: paths.projectDir,
    dataDir: paths.data,
    logFile: paths.log,
    initialised,
    running,
    accepting,
    ...(running ? { pid: postmaster.pid } : {}),
    ...(port ? { port } : {}),
    ...(url ? { url: redactUrl(url) } : {}),
  };
}

export interface StopOptions {
  readonly projectDir?: string;
  /** Longest wait for a clean shutdown before an immediate one. */
  readonly timeoutMs?: number;
}

/**
 * Stops the project's server (PostgreSQL's fast shutdown: open
 * transactions roll back). Waits for a start in progress to finish first.
 * @returns the pid stopped, or undefined when none was running
 */
export async function stopEmbeddedServer(
  options: StopOptions = {},
): Promise<number | undefined> {
  const paths = embeddedPaths(options.projectDir);
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!(await readPostmaster(paths))) return undefined;

  const stop = async () => {
    const postmaster = await readPostmaster(paths);
    if (!postmaster || !isAlive(postmaster.pid)) return undefined;
    if (!isPostgres(postmaster.pid)) return undefined;
    const { pid } = postmaster;

    process.kill(pid, "SIGINT");
    if (await waitGone(pid, timeoutMs)) return pid;
    process.kill(pid, "SIGQUIT");
    if (await waitGone(pid, 5_000)) return pid;
    throw new StoreError(
      `the embedded PostgreSQL (pid ${pid}) in ${paths.data} did not stop; ` +
        `see ${paths.log}`,
    );
  };

  return withFileLock(
    paths.lock,
    {
      timeoutMs: 120_000,
      staleMs: 120_000,
      onTimeout: () =>
        new StoreError(`the embedded PostgreSQL is busy starting; try again`),
    },
    stop,
  );
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}
