/**
 * Scheduler tests under either executor: with `BACKFLOW_EXECUTOR=distributed`
 * a test's scheduler hands its tasks to a real worker (graphile-worker on
 * the same store) started beside it, with the same DAGs, clock and
 * settings, and stopped with it. The worker's task events reach the
 * scheduler's listener, as the local executor's do.
 */
import { executorKind } from "../../core/executor/executor-kind.ts";
import { QueueExecutor } from "../../core/executor/queue-executor.ts";
import { TaskWorker } from "../../core/executor/task-worker.ts";
import {
  Scheduler,
  type SchedulerOptions,
} from "../../core/scheduler/scheduler.ts";

/** The executor the suite runs under (BACKFLOW_EXECUTOR). */
export const testExecutor = executorKind();

/** A scheduler under the suite's executor. */
export function createTestScheduler(options: SchedulerOptions): Scheduler {
  if (testExecutor === "local") return new Scheduler(options);

  const executor = new QueueExecutor(options.store);
  const worker = new TaskWorker({
    store: options.store,
    source: options.source,
    concurrency: options.maxTasks ?? 8,
    pollIntervalMs: 100,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.abandonMs ? { abandonMs: options.abandonMs } : {}),
    ...(options.maxTasksPerConnection
      ? { maxTasksPerConnection: options.maxTasksPerConnection }
      : {}),
    ...(options.connectionCaps
      ? { connectionCaps: options.connectionCaps }
      : {}),
    ...(options.runOptions ? { runOptions: options.runOptions } : {}),
    ...(options.random ? { random: options.random } : {}),
    listener: (event) => {
      if (event.type === "task-started" || event.type === "task-finished") {
        options.listener?.(event);
      }
    },
  });
  const started = worker.start();
  started.catch(() => {});

  class WithWorker extends Scheduler {
    override async idle(): Promise<void> {
      await started;
      return super.idle();
    }

    override async stop(): Promise<void> {
      await super.stop();
      await worker.stop();
      await executor.close();
    }
  }
  return new WithWorker({ ...options, executor });
}
