/**
 * Finds the pipeline modules of a project and imports them. A module that
 * fails to load is an import error for that file alone: every other DAG stays
 * usable.
 *
 * Note: this is the simple loader; the ts-morph compiler (type-check, cache,
 * serialized DAGs) replaces it behind the same result shape.
 */
import { readdir } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  isDagDefinition,
  type DagDefinition,
} from "../builder/dag-definition.ts";
import { errorMessage } from "../errors.ts";
import { redact } from "../util/redact.ts";

export interface ImportError {
  /** The module's path relative to the pipelines folder. */
  file: string;
  message: string;
}

export interface LoadedPipelines {
  dir: string;
  dags: DagDefinition[];
  errors: ImportError[];
}

const MODULE = /\.(ts|mts|js|mjs)$/;

async function listModules(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter(
      (e) => e.isFile() && MODULE.test(e.name) && !e.name.endsWith(".d.ts"),
    )
    .map((e) => join(e.parentPath ?? dir, e.name))
    .filter(
      (path) => !relative(dir, path).split(/[\\/]/).includes("node_modules"),
    )
    .sort();
}

/** The DAGs a module exports: its default export and any named ones. */
function dagsOf(module: Record<string, unknown>): DagDefinition[] {
  const found = new Set<DagDefinition>();
  for (const value of Object.values(module)) {
    if (isDagDefinition(value)) found.add(value);
  }
  return [...found];
}

/** Imports every module under `dir`; never throws for a broken module. */
export async function loadPipelines(dir: string): Promise<LoadedPipelines> {
  const root = resolve(dir);
  const dags: DagDefinition[] = [];
  const errors: ImportError[] = [];
  const seen = new Map<string, string>();

  for (const path of await listModules(root)) {
    const file = relative(root, path);
    try {
      const module = (await import(pathToFileURL(path).href)) as Record<
        string,
        unknown
      >;
      for (const dag of dagsOf(module)) {
        const other = seen.get(dag.id);
        if (other !== undefined) {
          errors.push({
            file,
            message: `DAG id "${dag.id}" is already defined in ${other}`,
          });
          continue;
        }
        seen.set(dag.id, file);
        dags.push(dag);
      }
    } catch (error) {
      errors.push({ file, message: redact(errorMessage(error)) });
    }
  }

  return { dir: root, dags, errors };
}
