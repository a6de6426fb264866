/**
 * Where a project's embedded PostgreSQL lives, all under
 * `<projectDir>/.backflow/postgres/`:
 *
 *   data/          the cluster (PGDATA); data/postmaster.pid names the
 *                  running server's pid and port
 *   password       the superuser's password (mode 0600)
 *   server.json    the port last used, reused on the next start
 *   postgres.log   the server's own log (never the user's terminal)
 *   start.lock     held while one process initialises or starts the server
 */
import { join, resolve } from "node:path";

export interface EmbeddedPaths {
  readonly projectDir: string;
  /** `<projectDir>/.backflow` */
  readonly root: string;
  /** `<projectDir>/.backflow/postgres` */
  readonly dir: string;
  readonly data: string;
  readonly password: string;
  readonly state: string;
  readonly log: string;
  readonly lock: string;
}

export function embeddedPaths(projectDir = process.cwd()): EmbeddedPaths {
  const base = resolve(projectDir);
  const root = join(base, ".backflow");
  const dir = join(root, "postgres");
  return Object.freeze({
    projectDir: base,
    root,
    dir,
    data: join(dir, "data"),
    password: join(dir, "password"),
    state: join(dir, "server.json"),
    log: join(dir, "postgres.log"),
    lock: join(dir, "start.lock"),
  });
}
