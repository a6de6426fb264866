/**
 * Child of the incremental scenario: what a long-lived scheduler pays per
 * run. Loads the bench pipelines once, then runs the `increments` task
 * `BENCH_RUNS` times in this process with the metadata store, printing
 * each run's milliseconds as one JSON array.
 */
import { loadPipelines } from "../../../core/runner/load-pipelines.ts";
import { runDag } from "../../../core/runner/run-dag.ts";
import { StoreRecorder } from "../../../core/runner/store-recorder.ts";
import { openStore } from "../../../core/store/index.ts";
import { storeSyncState } from "../../../core/sync/task-state.ts";

const runs = Number(process.env.BENCH_RUNS ?? "20");
const loaded = await loadPipelines(
  new URL("./pipelines", import.meta.url).pathname,
);
const dag = loaded.dags.find((d) => d.id === "perf");
if (!dag) throw new Error("the perf DAG did not load");
const store = await openStore();
const times: number[] = [];
let sent = 0;
try {
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const summary = await runDag(dag, {
      taskIds: ["increments"],
      recorder: new StoreRecorder(store),
      syncState: storeSyncState(store.sync),
    });
    times.push(performance.now() - started);
    if (summary.state !== "success") {
      throw new Error(`run ${i} ended ${summary.state}`);
    }
    sent += summary.totals.recordsSent;
  }
} finally {
  await store.close();
}
process.stdout.write(JSON.stringify({ times, sent }) + "\n");
