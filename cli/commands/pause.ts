/**
 * `backflow pause <dag>` and `backflow unpause <dag>`: a persisted switch.
 * A paused DAG gets no new runs and starts no new tasks; tasks already
 * running finish. Unpaused, it resumes with its catch-up policy.
 */
import type { Command } from "commander";

import { setPaused } from "../../core/scheduler/dag-controls.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { storedDag } from "./stored-dag.ts";

function registerOne(program: Command, paused: boolean): void {
  const name = paused ? "pause" : "unpause";
  program
    .command(name)
    .description(
      paused
        ? "stop scheduling a DAG (persisted) until unpaused"
        : "resume scheduling a paused DAG",
    )
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .action(async (dagId: string, options: { pipelines?: string }) => {
      const store = await openStore();
      try {
        const dag = await storedDag(
          store,
          pipelinesDir(options.pipelines),
          dagId,
        );
        await setPaused(store.pool, dag.dagId, paused);
        const was = dag.isPaused === paused ? " (it already was)" : "";
        process.stdout.write(`${name}d ${dag.dagId}${was}\n`);
      } finally {
        await store.close();
      }
    });
}

export function register(program: Command): void {
  registerOne(program, true);
  registerOne(program, false);
}
