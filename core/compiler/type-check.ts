/**
 * Step 1 of the compile: ts-morph type-checks the pipeline modules with
 * strict options. Results are cached per module by content (see
 * `typecheck-cache.ts`): only modules whose text, or the text of a file they
 * import, changed are checked again, and when none did TypeScript is not
 * even loaded.
 */
import { readFile } from "node:fs/promises";
import type { Project, SourceFile, ts as TS } from "ts-morph";

import { createLogger } from "../util/log.ts";
import {
  compilerOptions,
  findTsconfig,
  typeCheckKey,
} from "./compiler-options.ts";
import { lineText, type Diagnostic } from "./diagnostic.ts";
import { sha256, type PipelineFile } from "./pipeline-files.ts";
import { TypeCheckCache, type CachedDiagnostic } from "./typecheck-cache.ts";

const log = createLogger({ scope: "compiler" });

export interface TypeCheckOptions {
  /** `.backflow/cache` of the project, or false for no cache. */
  readonly cacheDir: string | false;
  /** Called with the modules about to be checked (none: not called). */
  readonly onTypeCheck?: (files: readonly string[]) => void;
}

export interface TypeCheckResult {
  readonly diagnostics: Diagnostic[];
  /** Modules the checker looked at in this call. */
  readonly checked: string[];
  /** Modules whose result came from the cache. */
  readonly cached: string[];
}

// "Cannot find module": the import may resolve once a file appears, which
// the cache entry could not notice, so such results are never cached.
const UNRESOLVED = new Set([2307, 2792, 2834, 2835]);

/** Hashes files outside the folder on demand, each once per compile. */
function hasher(files: readonly PipelineFile[]) {
  const known = new Map<string, Promise<string | undefined>>(
    files.map((f) => [f.path, Promise.resolve(f.hash)]),
  );
  return (path: string) => {
    let hash = known.get(path);
    if (!hash) {
      hash = readFile(path).then(
        (text) => sha256(text),
        () => undefined,
      );
      known.set(path, hash);
    }
    return hash;
  };
}

/**
 * Every source file a module imports, directly or not: project files and
 * backflow's own sources (whose types the module is checked against).
 * Installed packages are left out; their versions rarely change under a
 * project without its lockfile changing too.
 */
function dependencies(source: SourceFile): string[] {
  const seen = new Set<string>([source.getFilePath()]);
  const queue = [source];
  while (queue.length > 0) {
    for (const dep of queue.shift()!.getReferencedSourceFiles()) {
      const path = dep.getFilePath();
      if (seen.has(path) || path.includes("/node_modules/")) continue;
      seen.add(path);
      queue.push(dep);
    }
  }
  seen.delete(source.getFilePath());
  return [...seen].sort();
}

function convert(
  ts: typeof TS,
  d: TS.Diagnostic,
  file: { text: string },
): CachedDiagnostic | undefined {
  if (
    d.category !== ts.DiagnosticCategory.Error &&
    d.category !== ts.DiagnosticCategory.Warning
  ) {
    return undefined;
  }
  let line = 0;
  let column = 0;
  if (d.file && d.start !== undefined) {
    const at = d.file.getLineAndCharacterOfPosition(d.start);
    line = at.line + 1;
    column = at.character + 1;
  }
  const sourceLine = lineText(file.text, line);
  return {
    severity: d.category === ts.DiagnosticCategory.Error ? "error" : "warning",
    phase: "typecheck",
    code: `TS${d.code}`,
    line,
    column,
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
    ...(sourceLine === undefined ? {} : { sourceLine }),
  };
}

interface Checker {
  readonly ts: typeof TS;
  readonly project: Project;
  readonly key: string;
}

async function createChecker(
  root: string,
  files: readonly PipelineFile[],
  key: string,
): Promise<Checker> {
  const { Project, ts } = await import("ts-morph");
  const tsconfig = await findTsconfig(root);
  const project = new Project({
    compilerOptions: compilerOptions(ts, tsconfig),
    skipAddingFilesFromTsConfig: true,
  });
  // Every file of the folder is a root, as in a full `tsc` run, so that
  // ambient declarations reach the modules that are checked.
  for (const file of files)
    project.createSourceFile(file.path, file.text, { overwrite: true });
  project.resolveSourceFileDependencies();
  return { ts, project, key };
}

/** Brings a kept project up to date with the folder and the disk. */
function refresh(checker: Checker, files: readonly PipelineFile[]): void {
  const { project } = checker;
  const current = new Map(files.map((f) => [f.path, f]));
  for (const source of project.getSourceFiles()) {
    if (source.isInNodeModules()) continue;
    const path = source.getFilePath();
    const file = current.get(path);
    if (file) {
      if (source.getFullText() !== file.text) source.replaceWithText(file.text);
    } else {
      source.refreshFromFileSystemSync();
    }
  }
  for (const file of files) {
    if (!project.getSourceFile(file.path)) {
      project.createSourceFile(file.path, file.text, { overwrite: true });
    }
  }
  project.resolveSourceFileDependencies();
}

/**
 * Type-checks the TypeScript files of a folder, reusing cached results. One
 * instance keeps its ts-morph project between calls (watch mode), so a
 * re-check parses only what changed.
 */
export class TypeChecker {
  #checker: Checker | undefined;

  async check(
    root: string,
    files: readonly PipelineFile[],
    options: TypeCheckOptions,
  ): Promise<TypeCheckResult> {
    const typed = files.filter((f) => f.typed);
    const hashOf = hasher(files);
    const cache = options.cacheDir
      ? new TypeCheckCache(options.cacheDir)
      : null;
    const key = await typeCheckKey(
      await findTsconfig(root),
      typed
        .filter((f) => !f.module)
        .map((f) => ({ file: f.file, hash: f.hash })),
    );

    const diagnostics: Diagnostic[] = [];
    const cached: string[] = [];
    const stale: PipelineFile[] = [];
    for (const file of typed) {
      const hit = await cache?.read(key, file, hashOf);
      if (hit) {
        cached.push(file.file);
        diagnostics.push(...hit.map((d) => ({ ...d, file: file.file })));
      } else {
        stale.push(file);
      }
    }
    if (stale.length === 0) {
      log.debug("compiler.typecheck_cached", { modules: cached.length });
      return { diagnostics, checked: [], cached };
    }

    const checked = stale.map((f) => f.file);
    options.onTypeCheck?.(checked);
    const started = performance.now();
    if (this.#checker?.key === key) {
      refresh(this.#checker, typed);
    } else {
      this.#checker = await createChecker(root, typed, key);
    }
    const { ts, project } = this.#checker;
    const program = project.getProgram().compilerObject;
    // Problems of the options themselves belong to no module; while there
    // are any, nothing is cached, so that they are reported every time.
    const global = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
    ];
    for (const d of global) {
      const converted = convert(ts, d, { text: "" });
      if (converted) diagnostics.push({ ...converted, file: "" });
    }

    for (const file of stale) {
      const source = program.getSourceFile(file.path);
      const found = source
        ? [
            ...program.getSyntacticDiagnostics(source),
            ...program.getSemanticDiagnostics(source),
          ]
        : [];
      const converted = found
        .map((d) => convert(ts, d, file))
        .filter((d): d is CachedDiagnostic => d !== undefined);
      diagnostics.push(...converted.map((d) => ({ ...d, file: file.file })));

      if (!cache || global.length > 0) continue;
      if (found.some((d) => UNRESOLVED.has(d.code))) continue;
      const morph = project.getSourceFile(file.path);
      const deps = morph ? dependencies(morph) : [];
      const hashes = await Promise.all(deps.map(hashOf));
      await cache.write(
        key,
        file,
        deps.map((path, i) => ({ path, hash: hashes[i] ?? "" })),
        converted,
      );
    }

    log.debug("compiler.typecheck", {
      modules: checked.length,
      cached: cached.length,
      ms: Math.round(performance.now() - started),
    });
    return { diagnostics, checked, cached };
  }
}

/** Type-checks once, without keeping the project. */
export function typeCheck(
  root: string,
  files: readonly PipelineFile[],
  options: TypeCheckOptions,
): Promise<TypeCheckResult> {
  return new TypeChecker().check(root, files, options);
}
