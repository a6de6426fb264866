/**
 * `backflow trigger <dag>`: queues a manual run of a DAG for its latest
 * complete interval. A manual run is a run of its own: it neither waits for
 * nor replaces the scheduled run of that interval. A running
 * `backflow scheduler` starts it.
 */
import type { Command } from "commander";

import { triggerRun } from "../../core/scheduler/backfill.ts";
import { databaseClock } from "../../core/scheduler/clock.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { intervalText } from "../render/scheduler-events.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { scheduleOf, storedDag } from "./stored-dag.ts";

export function register(program: Command): void {
  program
    .command("trigger")
    .description("queue a manual run of a DAG (a running scheduler starts it)")
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print the run as JSON")
    .action(
      async (
        dagId: string,
        options: { pipelines?: string; json?: boolean },
      ) => {
        const store = await openStore();
        try {
          const dag = await storedDag(
            store,
            pipelinesDir(options.pipelines),
            dagId,
          );
          const clock = databaseClock(store.pool);
          await clock.sync!();
          const run = await triggerRun(
            store.pool,
            dag.dagId,
            scheduleOf(dag),
            clock.now(),
          );
          if (options.json) {
            process.stdout.write(JSON.stringify(run, null, 2) + "\n");
          } else {
            process.stdout.write(
              `queued manual run ${run.id} of ${dag.dagId} (${intervalText(run)})` +
                (dag.isPaused
                  ? "; the DAG is paused, so it waits for unpause"
                  : "") +
                "\n",
            );
          }
        } finally {
          await store.close();
        }
      },
    );
}
