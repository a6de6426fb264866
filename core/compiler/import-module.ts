/**
 * Step 2 of the compile: imports a pipeline module (tsx strips its types)
 * and collects the DAGs it exports.
 *
 * A module is imported under a URL carrying its source hash, and the
 * resolution hook in `reload-hook.mjs` gives the project files it imports
 * the same one. An edited module (or helper) therefore gets a fresh
 * instance, while an unchanged one is reused from Node's module cache.
 *
 * Note: Node cannot unload a module, so every edit a long-running process
 * picks up stays in memory until it exits; a watcher over a folder edited
 * all day grows by the size of the edited modules.
 */
import { register } from "node:module";
import { pathToFileURL } from "node:url";

import {
  isDagDefinition,
  type DagDefinition,
} from "../builder/dag-definition.ts";

let hookRegistered = false;

function registerReloadHook(): void {
  if (hookRegistered) return;
  register(new URL("./reload-hook.mjs", import.meta.url));
  hookRegistered = true;
}

export type ImportOutcome =
  | { readonly ok: true; readonly dags: DagDefinition[] }
  | { readonly ok: false; readonly error: unknown };

/** The DAGs a module exports: its default export and any named ones. */
function dagsOf(module: Record<string, unknown>): DagDefinition[] {
  const found = new Set<DagDefinition>();
  for (const value of Object.values(module)) {
    if (isDagDefinition(value)) found.add(value);
  }
  return [...found];
}

/** Imports one module; never throws. */
export async function importModule(
  path: string,
  sourceHash: string,
): Promise<ImportOutcome> {
  registerReloadHook();
  const url = pathToFileURL(path);
  url.searchParams.set("backflow-gen", sourceHash.slice(0, 16));
  try {
    const module = (await import(url.href)) as Record<string, unknown>;
    return { ok: true, dags: dagsOf(module) };
  } catch (error) {
    return { ok: false, error };
  }
}
