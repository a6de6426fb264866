/**
 * `backflow typegen`: asks PostgreSQL for the result columns of every
 * source query (described, never run to a row) and writes each module's
 * row types next to it (see `write-row-types.ts`).
 *
 * Modules are imported without type-checking: a module that names row
 * types not generated yet must still be readable here.
 */
import { isSyncTask } from "../../builder/dag-definition.ts";
import type { EnvSource } from "../../builder/env.ts";
import type { PostgresConnection } from "../../builder/postgres-connection.ts";
import { errorMessage } from "../../errors.ts";
import { PostgresSource } from "../../source/postgres-source.ts";
import { redact } from "../../util/redact.ts";
import { compilePipelines, type ModuleImportError } from "../compile.ts";
import { toFile } from "../pipeline-files.ts";
import {
  writeRowTypes,
  type DescribedDag,
  type DescribedTask,
} from "./write-row-types.ts";

export interface TypegenOptions {
  /** Where `env(...)` values come from (default: the process and `.env`). */
  readonly env?: EnvSource;
}

export interface TypegenFailure {
  readonly file: string;
  readonly dagId: string;
  readonly taskId: string;
  readonly message: string;
}

export interface TypegenResult {
  /** Row-type files, relative to the folder, and whether each changed. */
  readonly files: { readonly file: string; readonly changed: boolean }[];
  /** Queries PostgreSQL could not describe (left out of the types). */
  readonly failures: TypegenFailure[];
  /** Modules that could not be imported, so have no row types. */
  readonly importErrors: ModuleImportError[];
}

const OUTER_JOIN = /\b(left|right|full)\s+(outer\s+)?join\b/i;

class Sources {
  readonly #open = new Map<string, PostgresSource>();
  constructor(private readonly env: EnvSource | undefined) {}

  get(connection: PostgresConnection): PostgresSource {
    let source = this.#open.get(connection.name);
    if (!source) {
      const resolved = connection.resolve(this.env);
      source = new PostgresSource({
        name: resolved.name,
        url: resolved.url,
        timezone: resolved.timezone,
        poolSize: 1,
        ...(resolved.statementTimeoutMs
          ? { statementTimeoutMs: resolved.statementTimeoutMs }
          : {}),
      });
      this.#open.set(connection.name, source);
    }
    return source;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#open.values()].map((s) => s.close()));
  }
}

/** Generates the row types of every TypeScript module of `dir`. */
export async function generateRowTypes(
  dir: string,
  options: TypegenOptions = {},
): Promise<TypegenResult> {
  const compiled = await compilePipelines(dir, { typeCheck: false });
  const sources = new Sources(options.env);
  const files: TypegenResult["files"] = [];
  const failures: TypegenFailure[] = [];
  const importErrors = compiled.errors.filter((e) =>
    compiled.modules.some((m) => m.file === e.file && !m.outcome?.ok),
  );

  try {
    for (const module of compiled.modules) {
      if (!module.outcome?.ok || !/\.(m|c)?ts$/.test(module.file)) continue;
      const dags: DescribedDag[] = [];
      for (const dag of module.outcome.dags) {
        const tasks: DescribedTask[] = [];
        for (const task of dag.tasks) {
          if (!isSyncTask(task)) continue;
          try {
            const source = sources.get(task.from.connection);
            const described = await source.describe(task.from.query);
            // NOT NULL holds for a table's own rows only: the far side of
            // an outer join may be missing, so nothing is promised there.
            const columns = OUTER_JOIN.test(task.from.query.text)
              ? described.map((c) => ({ ...c, notNull: false }))
              : described;
            tasks.push({
              taskId: task.id,
              kind: task.kind,
              connection: task.from.connection.name,
              columns,
            });
          } catch (error) {
            failures.push({
              file: module.file,
              dagId: dag.id,
              taskId: task.id,
              message: redact(errorMessage(error)),
            });
          }
        }
        if (tasks.length > 0) dags.push({ dagId: dag.id, tasks });
      }
      if (dags.length === 0) continue;
      const written = await writeRowTypes(module.path, dags);
      files.push({
        file: toFile(compiled.dir, written.path),
        changed: written.changed,
      });
    }
  } finally {
    await sources.close();
  }
  return { files, failures, importErrors };
}
