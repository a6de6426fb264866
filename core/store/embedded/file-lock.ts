/**
 * A lock file shared by the processes of one machine. It is created with a
 * hard link from a fully written temporary file, so it appears atomically
 * with its holder's pid already inside, and a reader never sees it half
 * written.
 *
 * A lock whose holder died (its pid is gone) or that is older than
 * `staleMs` is stale: a waiter moves it aside with an atomic rename and
 * checks that what it moved is the stale lock it judged; if a live holder's
 * lock was moved instead, it is linked back.
 */
import { randomBytes } from "node:crypto";
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { isAlive, sleep } from "./processes.ts";

export interface FileLockOptions {
  /** Longest wait for the lock. */
  readonly timeoutMs: number;
  /** Age past which a lock counts as abandoned. */
  readonly staleMs: number;
  /** Says what the caller was waiting for, when the wait times out. */
  readonly onTimeout: (holderPid: number | undefined) => Error;
  readonly pollMs?: number;
}

interface Holder {
  pid: number;
  host: string;
  token: string;
  at: number;
}

export async function withFileLock<T>(
  path: string,
  options: FileLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const token = randomBytes(8).toString("hex");
  const deadline = Date.now() + options.timeoutMs;

  while (!(await tryCreate(path, token))) {
    const holder = await readHolder(path);
    if (holder && isStale(holder, options.staleMs)) {
      await moveStaleAside(path, holder);
      continue;
    }
    if (Date.now() > deadline) throw options.onTimeout(holder?.pid);
    await sleep(options.pollMs ?? 50);
  }

  try {
    return await work();
  } finally {
    const holder = await readHolder(path);
    if (holder?.token === token) await unlink(path).catch(() => {});
  }
}

async function tryCreate(path: string, token: string): Promise<boolean> {
  const holder: Holder = {
    pid: process.pid,
    host: hostname(),
    token,
    at: Date.now(),
  };
  const temp = `${path}.${token}`;
  await writeFile(temp, JSON.stringify(holder), { mode: 0o600 });
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (Date.now() - holder.at > staleMs) return true;
  return holder.host === hostname() && !isAlive(holder.pid);
}

async function moveStaleAside(path: string, judged: Holder): Promise<void> {
  const aside = `${path}.stale.${randomBytes(6).toString("hex")}`;
  try {
    await rename(path, aside);
  } catch {
    return; // Someone else moved it first.
  }
  const moved = await readHolder(aside);
  if (moved && moved.token !== judged.token) {
    await link(aside, path).catch(() => {});
  }
  await unlink(aside).catch(() => {});
}
