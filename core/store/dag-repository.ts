/**
 * Serialized DAGs and import errors, as the compiler last saw each
 * pipelines folder. Other processes (the dashboard, a scheduler on another
 * machine) read DAGs from here without loading user code.
 *
 * Invariants:
 * - `publish` replaces a folder's picture in one transaction: its DAGs are
 *   upserted, DAGs of that folder that are gone are marked inactive (their
 *   runs and pause flag are kept), and its import errors are exactly the
 *   given ones.
 * - A DAG's `updatedAt` moves only when its serialized form changed.
 */
import type pg from "pg";

import type { Diagnostic } from "../compiler/diagnostic.ts";
import type { SerializedDag } from "../compiler/serialize-dag.ts";
import { jsonText } from "./json-text.ts";
import { toStoreError } from "./store-error.ts";

export interface StoredDag {
  readonly dagId: string;
  /** Absolute path of the pipelines folder it was compiled from. */
  readonly pipelinesDir: string;
  /** The module, relative to the folder. */
  readonly file: string;
  readonly sourceHash: string;
  readonly serialized: SerializedDag;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly isPaused: boolean;
  /** False once its module no longer defines it. */
  readonly isActive: boolean;
  readonly updatedAt: Date;
}

export interface StoredImportError {
  readonly pipelinesDir: string;
  readonly file: string;
  readonly message: string;
  readonly sourceHash: string | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly recordedAt: Date;
}

/** What one compile of a folder found. */
export interface PipelinesSnapshot {
  readonly pipelinesDir: string;
  readonly dags: readonly SerializedDag[];
  readonly importErrors: readonly {
    readonly file: string;
    readonly message: string;
    readonly sourceHash: string;
    readonly diagnostics: readonly Diagnostic[];
  }[];
}

export interface PublishResult {
  /** DAGs added or changed by this publish. */
  readonly changed: string[];
  /** DAGs of the folder that are gone. */
  readonly deactivated: string[];
}

const DAG_COLUMNS = `
  dag_id as "dagId", pipelines_dir as "pipelinesDir", file_path as "file",
  source_hash as "sourceHash", serialized, schedule, timezone,
  is_paused as "isPaused", is_active as "isActive", updated_at as "updatedAt"`;

const ERROR_COLUMNS = `
  pipelines_dir as "pipelinesDir", file_path as "file", message,
  source_hash as "sourceHash", diagnostics, recorded_at as "recordedAt"`;

const UPSERT_DAG = `
insert into dags (dag_id, pipelines_dir, file_path, source_hash, serialized,
                  schedule, timezone, is_active)
values ($1, $2, $3, $4, $5::jsonb, $6, $7, true)
on conflict (dag_id) do update
   set pipelines_dir = excluded.pipelines_dir,
       file_path = excluded.file_path,
       source_hash = excluded.source_hash,
       serialized = excluded.serialized,
       schedule = excluded.schedule,
       timezone = excluded.timezone,
       is_active = true,
       updated_at = now()
 where dags.serialized is distinct from excluded.serialized
    or dags.file_path is distinct from excluded.file_path
    or dags.pipelines_dir is distinct from excluded.pipelines_dir
    or not dags.is_active
returning dag_id`;

const UPSERT_ERROR = `
insert into import_errors (pipelines_dir, file_path, message, source_hash,
                           diagnostics)
values ($1, $2, $3, $4, $5::jsonb)
on conflict (pipelines_dir, file_path) do update
   set message = excluded.message,
       diagnostics = excluded.diagnostics,
       source_hash = excluded.source_hash,
       recorded_at = case
         when import_errors.source_hash is distinct from excluded.source_hash
         then now() else import_errors.recorded_at end`;

export class DagRepository {
  constructor(readonly pool: pg.Pool) {}

  /** Stores what a compile of one folder found (see the invariants). */
  async publish(snapshot: PipelinesSnapshot): Promise<PublishResult> {
    const dir = snapshot.pipelinesDir;
    const client = await this.pool.connect().catch((error: unknown) => {
      throw toStoreError(error, "connecting");
    });
    let broken = false;
    try {
      await client.query("begin");
      const changed: string[] = [];
      for (const dag of snapshot.dags) {
        const result = await client.query(UPSERT_DAG, [
          dag.id,
          dir,
          dag.file,
          dag.sourceHash,
          jsonText(dag),
          dag.schedule,
          dag.timezone,
        ]);
        if (result.rowCount) changed.push(dag.id);
      }
      const gone = await client.query<{ dag_id: string }>(
        `update dags set is_active = false, updated_at = now()
          where pipelines_dir = $1 and is_active
            and not (dag_id = any($2::text[]))
        returning dag_id`,
        [dir, snapshot.dags.map((d) => d.id)],
      );
      for (const error of snapshot.importErrors) {
        await client.query(UPSERT_ERROR, [
          dir,
          error.file,
          error.message,
          error.sourceHash,
          jsonText(error.diagnostics),
        ]);
      }
      await client.query(
        `delete from import_errors
          where pipelines_dir = $1 and not (file_path = any($2::text[]))`,
        [dir, snapshot.importErrors.map((e) => e.file)],
      );
      await client.query("commit");
      return { changed, deactivated: gone.rows.map((r) => r.dag_id) };
    } catch (error) {
      broken = true;
      await client.query("rollback").catch(() => {});
      throw toStoreError(error, "publishing compiled DAGs");
    } finally {
      client.release(broken);
    }
  }

  /** The stored DAGs, by id (default: active ones only). */
  async list(options: { includeInactive?: boolean } = {}) {
    const where = options.includeInactive ? "" : "where is_active";
    return this.#rows<StoredDag>(
      "listing DAGs",
      `select ${DAG_COLUMNS} from dags ${where} order by dag_id`,
    );
  }

  async get(dagId: string): Promise<StoredDag | undefined> {
    const rows = await this.#rows<StoredDag>(
      "reading a DAG",
      `select ${DAG_COLUMNS} from dags where dag_id = $1`,
      [dagId],
    );
    return rows[0];
  }

  /** Import errors, of one folder or of all. */
  async importErrors(pipelinesDir?: string): Promise<StoredImportError[]> {
    return this.#rows<StoredImportError>(
      "listing import errors",
      `select ${ERROR_COLUMNS} from import_errors
        where $1::text is null or pipelines_dir = $1
        order by pipelines_dir, file_path`,
      [pipelinesDir ?? null],
    );
  }

  async #rows<Row>(doing: string, text: string, values: unknown[] = []) {
    try {
      return (await this.pool.query(text, values)).rows as Row[];
    } catch (error) {
      throw toStoreError(error, doing);
    }
  }
}
