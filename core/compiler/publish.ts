/**
 * Step 4 of the compile: the result, as the metadata store keeps it.
 */
import { DagRepository, type PublishResult } from "../store/dag-repository.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import type { CompileResult } from "./compile.ts";

/** Stores a folder's serialized DAGs and import errors. */
export function publishCompiled(
  store: Pick<MetadataStore, "pool">,
  result: CompileResult,
): Promise<PublishResult> {
  return new DagRepository(store.pool).publish({
    pipelinesDir: result.dir,
    dags: result.serialized,
    importErrors: result.errors.map((e) => ({
      file: e.file,
      message: e.message,
      sourceHash: e.sourceHash,
      diagnostics: e.diagnostics,
    })),
  });
}
