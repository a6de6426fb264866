/**
 * Creates the embedded cluster with initdb. initdb writes into a fresh
 * folder that is renamed to `data/` only once complete, so a crash half way
 * leaves no half-made cluster behind, only a `data.init-<pid>` folder that
 * the next start removes.
 */
import { execFile } from "node:child_process";
import { chown, mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import { errorMessage } from "../../errors.ts";
import { StoreError } from "../store-error.ts";
import type { EmbeddedPaths } from "./embedded-paths.ts";
import { isAlive } from "./processes.ts";
import type { ServerBinaries } from "./server-binaries.ts";
import type { ServerUser } from "./server-user.ts";

const run = promisify(execFile);

/** The superuser initdb creates; the store's database is `backflow` too. */
export const SUPERUSER = "backflow";

export async function initCluster(
  paths: EmbeddedPaths,
  binaries: ServerBinaries,
  user: ServerUser | undefined,
  password: string,
): Promise<void> {
  await removeAbandoned(paths);
  const temp = `${paths.data}.init-${process.pid}`;
  const pwfile = join(paths.dir, `initdb-password.${process.pid}`);
  await mkdir(temp, { mode: 0o700 });
  await writeFile(pwfile, password + "\n", { mode: 0o600 });
  if (user) {
    await chown(temp, user.uid, user.gid);
    await chown(pwfile, user.uid, user.gid);
  }

  try {
    await run(
      binaries.initdb,
      [
        `--pgdata=${temp}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-locale",
        "--no-instructions",
      ],
      { env: serverEnv(), ...(user ?? {}) },
    );
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    const output = (error as { stderr?: string }).stderr ?? "";
    throw new StoreError(
      `initdb could not create the embedded PostgreSQL in ${paths.data}: ` +
        `${output.trim() || errorMessage(error)}`,
      { cause: error },
    );
  } finally {
    await rm(pwfile, { force: true });
  }

  try {
    await rename(temp, paths.data);
  } catch (error) {
    // Another process finished first; its cluster is as good as ours.
    await rm(temp, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

async function removeAbandoned(paths: EmbeddedPaths): Promise<void> {
  const prefix = `${basename(paths.data)}.init-`;
  for (const name of await readdir(dirname(paths.data))) {
    if (!name.startsWith(prefix)) continue;
    if (isAlive(Number(name.slice(prefix.length)))) continue;
    await rm(join(paths.dir, name), { recursive: true, force: true });
  }
}

/** A plain environment: no secrets of the parent, a locale that exists. */
export function serverEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", LANG: "C" };
}
