/**
 * Stores what a compile found (serialized DAGs, import errors) in the
 * metadata store, so the dashboard and other processes see it.
 */
import { errorMessage } from "../../core/errors.ts";
import type { CompileResult } from "../../core/compiler/compile.ts";
import { publishCompiled } from "../../core/compiler/publish.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { redact } from "../../core/util/redact.ts";

/**
 * Publishes a compile result. A store that cannot be reached is reported
 * on stderr and does not stop the command: running a DAG must not depend
 * on the dashboard's view of it.
 */
export async function publishPipelines(result: CompileResult): Promise<void> {
  let store;
  try {
    store = await openStore();
    await publishCompiled(store, result);
  } catch (error) {
    process.stderr.write(
      `backflow: warning: could not store the compiled DAGs: ` +
        `${redact(errorMessage(error))}\n`,
    );
  } finally {
    await store?.close();
  }
}
