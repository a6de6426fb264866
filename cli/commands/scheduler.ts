/**
 * `backflow scheduler`: the daemon. Compiles the pipelines folder and keeps
 * recompiling it as files change (a broken module is reported and its DAGs
 * left out; every other DAG keeps running), and runs the DAGs on their
 * schedules until SIGTERM or SIGINT.
 *
 * On the first signal no new work starts, running tasks are told to stop
 * (the sync engines finish the batch in flight and checkpoint) and are
 * handed back to the queue, then the process exits 0. A second signal
 * exits at once; the next start resumes either way.
 */
import type { Command } from "commander";

import { UsageError, errorMessage } from "../../core/errors.ts";
import { redact } from "../../core/util/redact.ts";
import { schedulerEventLine } from "../render/scheduler-events.ts";

interface SchedulerOptions {
  pipelines?: string;
  heartbeatMs: string;
  heartbeatTimeoutMs: string;
  maxTasks: string;
  maxTasksPerConnection: string;
  connectionCap: string[];
  abandonMs: string;
  executor?: string;
}

export function whole(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a whole number above 0`);
  }
  return n;
}

export function caps(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) {
    const match = /^([^=]+)=(\d+)$/.exec(value);
    if (!match) {
      throw new UsageError(
        `--connection-cap "${value}": use <mixpanel connection>=<tasks>`,
      );
    }
    out[match[1]!] = whole(match[2]!, "--connection-cap");
  }
  return out;
}

const say = (line: string) => process.stdout.write(redact(line) + "\n");
const warn = (line: string) => process.stderr.write(redact(line) + "\n");

export function register(program: Command): void {
  program
    .command("scheduler")
    .description("run the DAGs on their schedules until stopped")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--heartbeat-ms <ms>", "lease renewal of a running task", "5000")
    .option(
      "--heartbeat-timeout-ms <ms>",
      "a task silent this long is taken back",
      "60000",
    )
    .option("--max-tasks <n>", "tasks this process runs at once", "8")
    .option(
      "--max-tasks-per-connection <n>",
      "tasks per Mixpanel connection, over all schedulers",
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
    .option(
      "--executor <kind>",
      "where tasks run: local, or distributed on `backflow worker`s " +
        "(default: BACKFLOW_EXECUTOR, else local)",
    )
    .action(async (options: SchedulerOptions) => {
      // Loaded only when the command runs, so `--help` stays fast.
      const [
        { createCompilerWatcher },
        { publishCompiled },
        { runTuningFromEnv },
        { executorKind },
        { QueueExecutor },
        { Scheduler },
        { openStore },
        { pruneHistory, retentionDaysFromEnv },
        { storeSyncState },
        { pipelinesDir },
      ] = await Promise.all([
        import("../../core/compiler/compiler-watcher.ts"),
        import("../../core/compiler/publish.ts"),
        import("../../core/runner/run-tuning.ts"),
        import("../../core/executor/executor-kind.ts"),
        import("../../core/executor/queue-executor.ts"),
        import("../../core/scheduler/scheduler.ts"),
        import("../../core/store/metadata-store.ts"),
        import("../../core/store/retention.ts"),
        import("../../core/sync/task-state.ts"),
        import("./pipelines-option.ts"),
      ]);
      const dir = pipelinesDir(options.pipelines);
      const kind = options.executor
        ? executorKind(options.executor, "--executor")
        : executorKind();
      const settings = {
        heartbeatMs: whole(options.heartbeatMs, "--heartbeat-ms"),
        heartbeatTimeoutMs: whole(
          options.heartbeatTimeoutMs,
          "--heartbeat-timeout-ms",
        ),
        maxTasks: whole(options.maxTasks, "--max-tasks"),
        maxTasksPerConnection: whole(
          options.maxTasksPerConnection,
          "--max-tasks-per-connection",
        ),
        connectionCaps: caps(options.connectionCap),
        abandonMs: whole(options.abandonMs, "--abandon-ms"),
      };
      const tuning = runTuningFromEnv();
      const store = await openStore();

      // Import errors are reported when they appear or change.
      const reported = new Map<string, string>();
      const watcher = createCompilerWatcher(
        dir,
        async (result) => {
          await publishCompiled(store, result);
          const now = new Map(result.errors.map((e) => [e.file, e.message]));
          for (const [file, message] of now) {
            if (reported.get(file) !== message) {
              warn(`import error in ${file}: ${message}`);
            }
          }
          for (const file of reported.keys()) {
            if (!now.has(file)) say(`import error in ${file} fixed`);
          }
          reported.clear();
          for (const [file, message] of now) reported.set(file, message);
          say(
            `compiled ${dir}: ${result.dags.length} DAG(s)` +
              (result.dags.length
                ? ` (${result.dags.map((d) => d.id).join(", ")})`
                : "") +
              `, ${result.errors.length} import error(s)`,
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

      const executor =
        kind === "distributed" ? new QueueExecutor(store) : undefined;
      await executor?.open();
      const scheduler = new Scheduler({
        store,
        ...(executor ? { executor } : {}),
        source: { dags: () => watcher.current?.dags ?? [] },
        ...settings,
        runOptions: {
          clientOptions: tuning.clientOptions,
          ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
          syncState: storeSyncState(store.sync),
        },
        listener: (event) => {
          const line = schedulerEventLine(event);
          if (!line) return;
          if (event.type === "dag-invalid" || event.type === "tick-failed") {
            warn(line);
          } else {
            say(line);
          }
        },
      });

      const stopped = new Promise<void>((resolve) => {
        let signals = 0;
        const onSignal = (signal: NodeJS.Signals) => {
          signals += 1;
          if (signals > 1) {
            warn(`${signal} again: exiting now; the next start resumes`);
            process.exit(1);
          }
          say(`${signal}: stopping; running tasks finish their batch`);
          void (async () => {
            try {
              await scheduler.stop();
              await executor?.close();
              await watcher.close();
              await store.close();
              say("scheduler stopped");
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
      scheduler.start();
      say(
        `scheduler ${scheduler.worker} started on ${dir}` +
          (executor ? " (distributed: tasks run on backflow workers)" : ""),
      );

      // Old runs, logs and cleared rejections go after the retention
      // period: once at start, then hourly while the scheduler runs.
      const prune = () =>
        pruneHistory(store.db, retentionDaysFromEnv()).catch((error) =>
          warn(`backflow: pruning old history failed: ${errorMessage(error)}`),
        );
      void prune();
      setInterval(() => void prune(), 3_600_000).unref();
      await stopped;
      // A task that ignored its signal may still hold timers; the queue
      // already has it back, so nothing is lost by leaving now.
      process.exit();
    });
}
