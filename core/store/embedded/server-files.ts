/**
 * The small files beside the embedded cluster: folder modes, the password
 * and the last port, plus the server's own postmaster.pid.
 */
import { randomBytes } from "node:crypto";
import {
  chmod,
  link,
  mkdir,
  readFile,
  rename,
  unlink,
  writeFile,
} from "node:fs/promises";
import type { EmbeddedPaths } from "./embedded-paths.ts";
import type { ServerUser } from "./server-user.ts";

/**
 * Creates `.backflow/postgres`. Owner-only (0700) when the server runs as
 * this user; searchable but not readable by others (0711) when it runs as
 * the `postgres` user, which must pass through to its data folder.
 */
export async function prepareFolders(
  paths: EmbeddedPaths,
  user: ServerUser | undefined,
): Promise<void> {
  const mode = user ? 0o711 : 0o700;
  await mkdir(paths.root, { recursive: true, mode });
  await mkdir(paths.dir, { recursive: true, mode });
  await chmod(paths.dir, mode);
  // `.backflow` may exist already (made by the compile cache or a dry run).
  await chmod(paths.root, mode);
}

/** The superuser's password, made (random) on first use. */
export async function readOrCreatePassword(
  paths: EmbeddedPaths,
): Promise<string> {
  const existing = await readFile(paths.password, "utf8").catch(() => "");
  if (existing.trim()) return existing.trim();

  // Written in full to a private file first, then linked into place, so a
  // racing process reads either nothing or the whole password.
  const temp = `${paths.password}.${process.pid}`;
  await writeFile(temp, randomBytes(24).toString("base64url"), {
    mode: 0o600,
  });
  try {
    await link(temp, paths.password);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  return (await readFile(paths.password, "utf8")).trim();
}

export interface ServerState {
  /** The port of the last start, tried first on the next. */
  port?: number;
}

export async function readState(paths: EmbeddedPaths): Promise<ServerState> {
  try {
    return JSON.parse(await readFile(paths.state, "utf8")) as ServerState;
  } catch {
    return {};
  }
}

export async function writeState(paths: EmbeddedPaths, state: ServerState) {
  const temp = `${paths.state}.${process.pid}`;
  await writeFile(temp, JSON.stringify(state) + "\n", { mode: 0o600 });
  await rename(temp, paths.state);
}

export interface Postmaster {
  readonly pid: number;
  readonly port: number;
  /** "starting", "ready", "stopping" … (PostgreSQL 10+). */
  readonly status: string;
}

// Above any Linux pid_max (2^22) and below 2^31: a pid no process can have.
const IMPOSSIBLE_PID = 4_194_311;

/**
 * Marks a dead server's `postmaster.pid` as stale for PostgreSQL. A killed
 * server whose parent never reaps it stays a zombie that still answers
 * kill(pid, 0), and a pid may be reused by another process; either way
 * PostgreSQL would refuse to start, taking it for a live server. Rather than
 * deleting the file, its pid is replaced by one that can not exist, so
 * PostgreSQL still runs its own checks on the rest (such as whether an
 * orphaned backend still holds the old shared memory).
 */
export async function markPostmasterStale(paths: EmbeddedPaths) {
  const path = `${paths.data}/postmaster.pid`;
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return;
  const lines = text.split("\n");
  lines[0] = String(IMPOSSIBLE_PID);
  await writeFile(path, lines.join("\n"));
}

/** The running (or crashed) server named by `postmaster.pid`, if any. */
export async function readPostmaster(
  paths: EmbeddedPaths,
): Promise<Postmaster | undefined> {
  let text: string;
  try {
    text = await readFile(`${paths.data}/postmaster.pid`, "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port: Number(lines[3]), status: (lines[7] ?? "").trim() };
}
