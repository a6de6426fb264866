/**
 * What `backflow pause` and `unpause` do; `pause.ts` defines the commands
 * and loads this module only when one runs, so `--help` stays fast.
 */
import { setPaused } from "../../core/scheduler/dag-controls.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { storedDag } from "./stored-dag.ts";

export async function setPausedCommand(
  dagId: string,
  options: { pipelines?: string },
  paused: boolean,
): Promise<void> {
  const name = paused ? "pause" : "unpause";
  const store = await openStore();
  try {
    const dag = await storedDag(store, pipelinesDir(options.pipelines), dagId);
    await setPaused(store.pool, dag.dagId, paused);
    const was = dag.isPaused === paused ? " (it already was)" : "";
    process.stdout.write(`${name}d ${dag.dagId}${was}\n`);
  } finally {
    await store.close();
  }
}
