/**
 * Type-check results cached by content, one small JSON file per module
 * under `.backflow/cache/typecheck/`. An entry is named by the hash of the
 * checker's key and the module's text, so it does not depend on where the
 * folder lives; it records the files the module imports with their hashes
 * (project files relative to the module, backflow's own as `backflow:…`)
 * and is valid only while they are unchanged.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

import { BACKFLOW_ROOT } from "./compiler-options.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { sha256 } from "./pipeline-files.ts";

/** A diagnostic as cached: its place is filled in when it is read back. */
export type CachedDiagnostic = Omit<Diagnostic, "file">;

export interface CacheEntry {
  /** Imported files (see `portable`) with their hashes. */
  readonly deps: readonly { readonly path: string; readonly hash: string }[];
  readonly diagnostics: readonly CachedDiagnostic[];
}

const OWN = "backflow:";

/** A dependency's path as stored: independent of where the folder is. */
function portable(from: string, path: string): string {
  const own = relative(BACKFLOW_ROOT, path).split(sep);
  if (own[0] === "core" || own[0] === "cli") return OWN + own.join("/");
  return relative(from, path).split(sep).join("/");
}

function absolute(from: string, stored: string): string {
  return stored.startsWith(OWN)
    ? join(BACKFLOW_ROOT, stored.slice(OWN.length))
    : resolve(from, stored);
}

export class TypeCheckCache {
  readonly dir: string;

  /** @param cacheDir `.backflow/cache` of the project */
  constructor(cacheDir: string) {
    this.dir = join(cacheDir, "typecheck");
  }

  #entryPath(key: string, hash: string): string {
    return join(this.dir, `${sha256(key, hash)}.json`);
  }

  /**
   * The cached diagnostics of a module, or undefined when there is no entry
   * or one of its imports changed.
   * @param hashOf the current hash of an absolute path (undefined: missing)
   */
  async read(
    key: string,
    module: { path: string; hash: string },
    hashOf: (path: string) => Promise<string | undefined>,
  ): Promise<readonly CachedDiagnostic[] | undefined> {
    let entry: CacheEntry;
    try {
      const text = await readFile(this.#entryPath(key, module.hash), "utf8");
      entry = JSON.parse(text) as CacheEntry;
    } catch {
      return undefined;
    }
    const from = dirname(module.path);
    for (const dep of entry.deps) {
      const current = await hashOf(absolute(from, dep.path));
      if (current !== dep.hash) return undefined;
    }
    return entry.diagnostics;
  }

  /** Stores an entry; the rename makes concurrent writers safe. */
  async write(
    key: string,
    module: { path: string; hash: string },
    deps: readonly { path: string; hash: string }[],
    diagnostics: readonly CachedDiagnostic[],
  ): Promise<void> {
    const from = dirname(module.path);
    const entry: CacheEntry = {
      deps: deps.map((d) => ({ path: portable(from, d.path), hash: d.hash })),
      diagnostics,
    };
    // Owner-only, like all of `.backflow/` (see server-files.ts).
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = this.#entryPath(key, module.hash);
    const temporary = `${target}.${randomBytes(6).toString("hex")}.tmp`;
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, target);
  }
}
