/**
 * `backflow worker`: runs the task instances that schedulers in
 * distributed mode (`BACKFLOW_EXECUTOR=distributed`) hand out, on any
 * number of machines that share the metadata store. It compiles its own
 * pipelines folder (the same code as the schedulers'), keeping it
 * compiled as files change, and never publishes it: the schedulers do.
 *
 * On the first SIGTERM or SIGINT it takes no more tasks; running ones
 * finish their batch, checkpoint and go back to the queue for another
 * worker, then the process exits 0. A second signal exits at once; the
 * tasks' leases expire and the schedulers hand them out again.
 */
import type { Command } from "commander";

import { errorMessage } from "../../core/errors.ts";
import type { WorkerEvent } from "../../core/executor/task-worker.ts";
import { redact } from "../../core/util/redact.ts";
import { schedulerEventLine } from "../render/scheduler-events.ts";
import { caps, whole } from "./scheduler.ts";

interface WorkerFlags {
  pipelines?: string;
  concurrency: string;
  heartbeatMs: string;
  workerTimeoutMs: string;
  maxTasksPerConnection: string;
  connectionCap: string[];
  abandonMs: string;
}

const say = (line: string) => process.stdout.write(redact(line) + "\n");
const warn = (line: string) => process.stderr.write(redact(line) + "\n");

function eventLine(event: WorkerEvent): string | undefined {
  switch (event.type) {
    case "task-started":
    case "task-finished":
      return schedulerEventLine(event);
    case "worker-lost":
      return `worker ${event.workerId} stopped heart-beating: marked lost, its jobs released`;
    case "job-failed":
      return `a task's end was not recorded (its lease will expire): ${event.error}`;
    case "task-refused":
      return undefined;
  }
}

export function register(program: Command): void {
  program
    .command("worker")
    .description(
      "run the tasks that distributed schedulers hand out, until stopped",
    )
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--concurrency <n>", "tasks this worker runs at once", "4")
    .option(
      "--heartbeat-ms <ms>",
      "lease renewal of a running task, and this worker's own beat",
      "5000",
    )
    .option(
      "--worker-timeout-ms <ms>",
      "a worker silent this long is marked lost",
      "60000",
    )
    .option(
      "--max-tasks-per-connection <n>",
      "tasks per Mixpanel connection, over all workers (as the schedulers')",
      "4",
    )
    .option(
      "--connection-cap <name=n>",
      "cap of one Mixpanel connection (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option(
      "--abandon-ms <ms>",
      "how long a stopping task may ignore its signal",
      "30000",
    )
    .action(async (flags: WorkerFlags) => {
      // Loaded only when the command runs, so `--help` stays fast.
      const [
        { createCompilerWatcher },
        { TaskWorker },
        { runTuningFromEnv },
        { openStore },
        { storeSyncState },
        { pipelinesDir },
      ] = await Promise.all([
        import("../../core/compiler/compiler-watcher.ts"),
        import("../../core/executor/task-worker.ts"),
        import("../../core/runner/run-tuning.ts"),
        import("../../core/store/metadata-store.ts"),
        import("../../core/sync/task-state.ts"),
        import("./pipelines-option.ts"),
      ]);
      const dir = pipelinesDir(flags.pipelines);
      const concurrency = whole(flags.concurrency, "--concurrency");
      const settings = {
        concurrency,
        heartbeatMs: whole(flags.heartbeatMs, "--heartbeat-ms"),
        workerTimeoutMs: whole(flags.workerTimeoutMs, "--worker-timeout-ms"),
        maxTasksPerConnection: whole(
          flags.maxTasksPerConnection,
          "--max-tasks-per-connection",
        ),
        connectionCaps: caps(flags.connectionCap),
        abandonMs: whole(flags.abandonMs, "--abandon-ms"),
      };
      const tuning = runTuningFromEnv();
      // Each running task beats, checkpoints and records on the store.
      const store = await openStore({ poolSize: concurrency + 4 });

      const reported = new Map<string, string>();
      const watcher = createCompilerWatcher(
        dir,
        (result) => {
          const now = new Map(result.errors.map((e) => [e.file, e.message]));
          for (const [file, message] of now) {
            if (reported.get(file) !== message) {
              warn(`import error in ${file}: ${message}`);
            }
          }
          reported.clear();
          for (const [file, message] of now) reported.set(file, message);
          say(
            `compiled ${dir}: ${result.dags.length} DAG(s), ` +
              `${result.errors.length} import error(s)`,
          );
        },
        {
          onError: (error) =>
            warn(`backflow: compiling ${dir} failed: ${errorMessage(error)}`),
        },
      );
      try {
        await watcher.ready;
      } catch (error) {
        await watcher.close();
        await store.close();
        throw error;
      }

      const worker = new TaskWorker({
        store,
        source: { dags: () => watcher.current?.dags ?? [] },
        ...settings,
        runOptions: {
          clientOptions: tuning.clientOptions,
          ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
          syncState: storeSyncState(store.sync),
        },
        listener: (event) => {
          const line = eventLine(event);
          if (!line) return;
          if (event.type === "job-failed") warn(line);
          else say(line);
        },
      });

      const stopped = new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals += 1;
          if (signals > 1) {
            warn(`${signal} again: exiting now; the tasks will be retried`);
            process.exit(1);
          }
          say(`${signal}: stopping; running tasks finish their batch`);
          void (async () => {
            try {
              await worker.stop();
              await watcher.close();
              await store.close();
              say("worker stopped");
            } catch (error) {
              warn(`backflow: stopping failed: ${errorMessage(error)}`);
              process.exitCode = 1;
            }
            resolve();
          })();
        };
        process.on("SIGTERM", onSignal);
        process.on("SIGINT", onSignal);
      });
      try {
        await worker.start();
      } catch (error) {
        await worker.stop().catch(() => {});
        await watcher.close();
        await store.close();
        throw error;
      }
      say(`worker ${worker.id} started on ${dir} (concurrency ${concurrency})`);
      await stopped;
      // A task that ignored its signal may still hold timers; its lease
      // expires and it is handed out again, so nothing is lost by leaving.
      process.exit();
    });
}
