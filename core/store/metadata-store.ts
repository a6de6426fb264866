/**
 * The metadata store: runs, task instances, the run log and rejected rows
 * (and, in the schema, DAGs, checkpoints and profile hashes), in
 * PostgreSQL.
 *
 * @example
 * const store = await openStore();
 * const { run } = await store.runs.createRun({
 *   dagId: "shop", runType: "manual", logicalDate: new Date(),
 * });
 * await store.close();
 */
import type pg from "pg";
import { ConfigError } from "../errors.ts";
import { redactUrl, registerUrlSecret } from "../util/redact.ts";
import { ensureEmbeddedServer } from "./embedded/embedded-server.ts";
import { LogRepository } from "./log-repository.ts";
import { migrate } from "./migrate.ts";
import { RejectRepository } from "./reject-repository.ts";
import { DagRepository } from "./dag-repository.ts";
import { RunRepository } from "./run-repository.ts";
import { SyncRepository } from "./sync-repository.ts";
import { createStorePool, StoreDb } from "./store-db.ts";

export interface OpenStoreOptions {
  /**
   * A PostgreSQL database of its own for backflow (default: the
   * BACKFLOW_DATABASE_URL variable; when that is unset too, the project's
   * embedded server, started if needed).
   */
  readonly databaseUrl?: string;
  /** The project whose `.backflow/` holds the embedded server (default: cwd). */
  readonly projectDir?: string;
  /** Most connections open at once (default: 5). */
  readonly poolSize?: number;
  /** Longest wait for the embedded server to start (default: 60000). */
  readonly startTimeoutMs?: number;
}

/** Where the store lives; safe to show (the password is masked). */
export type StoreLocation =
  | { readonly kind: "external"; readonly url: string }
  | {
      readonly kind: "embedded";
      readonly url: string;
      readonly pid: number;
      readonly port: number;
      readonly dataDir: string;
      readonly logFile: string;
      /** Whether opening this store started the server. */
      readonly started: boolean;
    };

export class MetadataStore {
  readonly runs: RunRepository;
  readonly log: LogRepository;
  readonly rejects: RejectRepository;
  /** Serialized DAGs and import errors, as the compiler published them. */
  readonly dags: DagRepository;
  /** Checkpoints, ledgers, profile hashes and open rejections. */
  readonly sync: SyncRepository;
  /** For queries of their own (retention pruning). */
  readonly db: StoreDb;

  constructor(
    /** The pool, for repositories added later. */
    readonly pool: pg.Pool,
    readonly location: StoreLocation,
  ) {
    const db = new StoreDb(pool);
    this.runs = new RunRepository(db);
    this.log = new LogRepository(db);
    this.rejects = new RejectRepository(db);
    this.dags = new DagRepository(pool);
    this.sync = new SyncRepository(db);
    this.db = db;
  }

  /** Closes the connections; an embedded server keeps running (shared). */
  close(): Promise<void> {
    return this.pool.end();
  }
}

/** A malformed URL is named, never echoed: it may hold a password. */
function checkStoreUrl(url: string, what: string): void {
  let protocol = "";
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Reported below.
  }
  if (protocol === "postgres:" || protocol === "postgresql:") return;
  throw new ConfigError(
    `${what} must look like ` +
      `postgres://user:password@host:5432/database (a PostgreSQL database ` +
      `of backflow's own), or be unset for the embedded store`,
  );
}

/** Connects to the store and brings its schema up to date. */
export async function openStore(
  options: OpenStoreOptions = {},
): Promise<MetadataStore> {
  const external =
    options.databaseUrl ?? (process.env.BACKFLOW_DATABASE_URL || undefined);
  let url: string;
  let location: StoreLocation;
  if (external) {
    registerUrlSecret(external);
    checkStoreUrl(
      external,
      options.databaseUrl ? "the store's URL" : "BACKFLOW_DATABASE_URL",
    );
    url = external;
    location = { kind: "external", url: redactUrl(external) };
  } else {
    const server = await ensureEmbeddedServer({
      ...(options.projectDir ? { projectDir: options.projectDir } : {}),
      ...(options.startTimeoutMs
        ? { startTimeoutMs: options.startTimeoutMs }
        : {}),
    });
    url = server.url;
    location = {
      kind: "embedded",
      url: redactUrl(server.url),
      pid: server.pid,
      port: server.port,
      dataDir: server.dataDir,
      logFile: server.logFile,
      started: server.started,
    };
  }

  const pool = createStorePool(url, options.poolSize ?? 5);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return new MetadataStore(pool, location);
}
