/**
 * Finds the pipeline modules of a project and loads their DAGs, through the
 * compiler (type-check cached by content hash, import, validation; see
 * `core/compiler/compile.ts`). A module that fails to compile or import is
 * an import error for that file alone: every other DAG stays usable.
 */
import {
  compilePipelines,
  type CompileOptions,
  type CompileResult,
} from "../compiler/compile.ts";

export type { ImportError } from "../compiler/compile.ts";

/** The DAGs of a folder, its import errors and the compiler's findings. */
export type LoadedPipelines = CompileResult;

/** Compiles every module under `dir`; never throws for a broken module. */
export function loadPipelines(
  dir: string,
  options?: CompileOptions,
): Promise<LoadedPipelines> {
  return compilePipelines(dir, options);
}
