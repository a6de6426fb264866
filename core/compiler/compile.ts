/**
 * Compiles a pipelines folder the way `backflow check`, `run` and the
 * scheduler all need it (DESIGN §2):
 *
 * 1. ts-morph type-checks the modules (cached by content hash);
 * 2. each module without type errors is imported and its DAGs built;
 * 3. the DAGs are validated together;
 * 4. each usable DAG is serialized for the metadata store.
 *
 * A module with any error is an import error for that file alone; the DAGs
 * of every other module stay usable.
 *
 * @example
 * const result = await compilePipelines("pipelines");
 * for (const d of result.diagnostics) console.log(formatDiagnostic(d));
 */
import { join, resolve } from "node:path";

import type { DagDefinition } from "../builder/dag-definition.ts";
import { failedImport, problemDiagnostic } from "./compile-diagnostics.ts";
import { hasErrors, type Diagnostic } from "./diagnostic.ts";
import { importModule, type ImportOutcome } from "./import-module.ts";
import { readPipelineFiles, sourceHash } from "./pipeline-files.ts";
import { serializeDag, type SerializedDag } from "./serialize-dag.ts";
import { TypeChecker } from "./type-check.ts";
import { validateDags } from "./validate-dags.ts";

export interface CompileOptions {
  /** Run the type checker (default: true). */
  readonly typeCheck?: boolean;
  /**
   * Where type-check results are cached, or false for no cache (default:
   * `.backflow/cache` in the working directory).
   */
  readonly cacheDir?: string | false;
  /** Called with the modules about to be type-checked. */
  readonly onTypeCheck?: (files: readonly string[]) => void;
  /** A checker kept between compiles (watch mode). */
  readonly checker?: TypeChecker;
  /** The last result for this folder: unchanged modules are not re-imported. */
  readonly previous?: CompileResult;
}

/** A module that failed; its DAGs are not usable. */
export interface ImportError {
  /** The module's path relative to the pipelines folder. */
  readonly file: string;
  /** The first error, for a one-line report. */
  readonly message: string;
}

export interface ModuleImportError extends ImportError {
  readonly sourceHash: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface CompiledModule {
  readonly file: string;
  readonly path: string;
  readonly sourceHash: string;
  /** Empty when the module has errors. */
  readonly dags: readonly DagDefinition[];
  readonly diagnostics: readonly Diagnostic[];
  /** How the import went; reused while the source hash is unchanged. */
  readonly outcome: ImportOutcome | undefined;
}

export interface CompileStats {
  readonly typeChecked: readonly string[];
  readonly typeCheckCached: readonly string[];
  readonly imported: readonly string[];
  readonly reused: readonly string[];
  readonly ms: number;
}

export interface CompileResult {
  /** The pipelines folder, absolute. */
  readonly dir: string;
  /** Every usable DAG, in file order. */
  readonly dags: DagDefinition[];
  /** Modules that failed (the simple loader's shape). */
  readonly errors: ModuleImportError[];
  /** Every diagnostic, by file, line and column. */
  readonly diagnostics: Diagnostic[];
  /** The usable DAGs as stored. */
  readonly serialized: SerializedDag[];
  readonly modules: CompiledModule[];
  readonly stats: CompileStats;
}

function byPlace(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** Compiles every module of `dir`; never throws for a broken module. */
export async function compilePipelines(
  dir: string,
  options: CompileOptions = {},
): Promise<CompileResult> {
  const started = performance.now();
  const root = resolve(dir);
  const files = await readPipelineFiles(root);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const byFile = new Map(files.map((f) => [f.file, f]));

  // 1. Types.
  const checker = options.checker ?? new TypeChecker();
  const typed =
    options.typeCheck === false
      ? { diagnostics: [], checked: [], cached: [] }
      : await checker.check(root, files, {
          cacheDir:
            options.cacheDir ?? join(process.cwd(), ".backflow", "cache"),
          ...(options.onTypeCheck ? { onTypeCheck: options.onTypeCheck } : {}),
        });
  const perFile = new Map<string, Diagnostic[]>();
  const note = (file: string, d: Diagnostic) => {
    perFile.set(file, [...(perFile.get(file) ?? []), d]);
  };
  for (const d of typed.diagnostics) note(d.file, d);

  // 2. Imports: a module with type errors is not run at all.
  const previous = new Map(options.previous?.modules.map((m) => [m.file, m]));
  const outcomes = new Map<string, ImportOutcome>();
  const hashes = new Map<string, string>();
  const imported: string[] = [];
  const reused: string[] = [];
  for (const file of files.filter((f) => f.module)) {
    const hash = sourceHash(file, byPath);
    hashes.set(file.file, hash);
    if (hasErrors(perFile.get(file.file) ?? [])) continue;
    const before = previous.get(file.file);
    let outcome = before?.sourceHash === hash ? before.outcome : undefined;
    if (outcome) {
      reused.push(file.file);
    } else {
      outcome = await importModule(file.path, hash);
      imported.push(file.file);
    }
    outcomes.set(file.file, outcome);
    if (!outcome.ok) {
      note(file.file, await failedImport(root, file, outcome.error, byPath));
    }
  }

  // 3. Validation across every DAG that was built.
  const built = [...outcomes].flatMap(([file, outcome]) =>
    outcome.ok ? outcome.dags.map((dag) => ({ file, dag })) : [],
  );
  for (const problem of validateDags(built)) {
    note(
      problem.file,
      await problemDiagnostic(problem, byFile.get(problem.file)),
    );
  }

  // 4. What is usable, and what is stored.
  const modules: CompiledModule[] = [];
  const errors: ModuleImportError[] = [];
  const dags: DagDefinition[] = [];
  const serialized: SerializedDag[] = [];
  for (const file of files) {
    const diagnostics = (perFile.get(file.file) ?? []).sort(byPlace);
    const hash = hashes.get(file.file) ?? file.hash;
    const outcome = outcomes.get(file.file);
    const failed = hasErrors(diagnostics);
    const usable = !failed && outcome?.ok ? outcome.dags : [];
    if (file.module || failed) {
      modules.push({
        file: file.file,
        path: file.path,
        sourceHash: hash,
        dags: usable,
        diagnostics,
        outcome,
      });
    }
    if (failed) {
      const first = diagnostics.find((d) => d.severity === "error")!;
      const more =
        diagnostics.length > 1 ? ` (+${diagnostics.length - 1} more)` : "";
      errors.push({
        file: file.file,
        message: `${first.message}${more}`,
        sourceHash: hash,
        diagnostics,
      });
    }
    for (const dag of usable) {
      dags.push(dag);
      serialized.push(serializeDag(dag, file.file, hash));
    }
  }

  return {
    dir: root,
    dags,
    errors,
    diagnostics: [...perFile.values()].flat().sort(byPlace),
    serialized,
    modules,
    stats: {
      typeChecked: typed.checked,
      typeCheckCached: typed.cached,
      imported,
      reused,
      ms: Math.round(performance.now() - started),
    },
  };
}
