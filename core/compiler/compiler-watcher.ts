/**
 * Watch mode: recompiles a pipelines folder when its files change, for the
 * scheduler. Changes are debounced; only modules whose source hash changed
 * are type-checked and imported again (the ts-morph project is kept between
 * compiles), and the listener hears about a compile only when some module's
 * hash, and so possibly its DAGs, changed.
 *
 * @example
 * const watcher = createCompilerWatcher("pipelines", async (result) => {
 *   await publishCompiled(store, result);
 * });
 * await watcher.ready;
 * // … later
 * await watcher.close();
 */
import { watch, type FSWatcher } from "node:fs";
import { resolve } from "node:path";

import { createLogger } from "../util/log.ts";
import {
  compilePipelines,
  type CompileOptions,
  type CompileResult,
} from "./compile.ts";
import { TypeChecker } from "./type-check.ts";

const log = createLogger({ scope: "compiler" });

export interface ModuleChanges {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

export type CompileListener = (
  result: CompileResult,
  changes: ModuleChanges,
) => void | Promise<void>;

export interface CompilerWatcherOptions extends Omit<
  CompileOptions,
  "checker" | "previous"
> {
  /** Quiet time after the last file event before compiling (default: 150). */
  readonly debounceMs?: number;
  /** A compile or the listener failed (default: logged). */
  readonly onError?: (error: unknown) => void;
}

export interface CompilerWatcher {
  /** The first compile, already passed to the listener. */
  readonly ready: Promise<CompileResult>;
  /** The latest result (undefined before the first compile ends). */
  readonly current: CompileResult | undefined;
  /** Compiles now, whatever the file events said. */
  recompile(): Promise<CompileResult>;
  /** Stops watching and waits for a compile in progress. */
  close(): Promise<void>;
}

function diff(before: CompileResult | undefined, after: CompileResult) {
  const old = new Map(before?.modules.map((m) => [m.file, m.sourceHash]));
  const now = new Map(after.modules.map((m) => [m.file, m.sourceHash]));
  const changes: ModuleChanges = { added: [], changed: [], removed: [] };
  for (const [file, hash] of now) {
    const was = old.get(file);
    if (was === undefined) changes.added.push(file);
    else if (was !== hash) changes.changed.push(file);
  }
  for (const file of old.keys()) {
    if (!now.has(file)) changes.removed.push(file);
  }
  return changes;
}

const isEmpty = (c: ModuleChanges) =>
  c.added.length + c.changed.length + c.removed.length === 0;

/** Compiles `dir` now and again after every change under it. */
export function createCompilerWatcher(
  dir: string,
  onChange: CompileListener,
  options: CompilerWatcherOptions = {},
): CompilerWatcher {
  const root = resolve(dir);
  const checker = new TypeChecker();
  const debounceMs = options.debounceMs ?? 150;
  const onError =
    options.onError ??
    ((error: unknown) => log.error("compiler.watch_failed", { error }));

  let current: CompileResult | undefined;
  let running: Promise<CompileResult> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  // One compile at a time; events during a compile cause one more after it.
  const run = async (): Promise<CompileResult> => {
    const result = await compilePipelines(root, {
      ...options,
      checker,
      ...(current ? { previous: current } : {}),
    });
    const changes = diff(current, result);
    const first = current === undefined;
    current = result;
    if (first || !isEmpty(changes)) {
      log.info("compiler.recompiled", {
        dags: result.dags.length,
        importErrors: result.errors.length,
        ...changes,
      });
      await onChange(result, changes);
    }
    return result;
  };

  const compile = (): Promise<CompileResult> => {
    if (running) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        compile().catch(onError);
      }
    });
    return running;
  };

  const schedule = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => compile().catch(onError), debounceMs);
  };

  const watcher: FSWatcher = watch(root, { recursive: true }, schedule);
  watcher.on("error", onError);
  const ready = compile();
  ready.catch(onError);

  return {
    ready,
    get current() {
      return current;
    },
    recompile: compile,
    async close() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
      await running?.catch(() => {});
    },
  };
}
