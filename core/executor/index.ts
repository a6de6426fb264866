/**
 * The distributed executor: schedulers hand ready tasks to a job queue
 * (graphile-worker) in the metadata store's database, and `TaskWorker`s on
 * any number of machines run them. See README, "Scaling out".
 */
export {
  EXECUTOR_KINDS,
  executorKind,
  type ExecutorKind,
} from "./executor-kind.ts";
export { QueueExecutor, type QueueExecutorOptions } from "./queue-executor.ts";
export {
  TaskWorker,
  type TaskWorkerOptions,
  type WorkerEvent,
  type WorkerListener,
} from "./task-worker.ts";
export {
  listWorkers,
  type ListWorkersOptions,
  type WorkerRecord,
  type WorkerState,
  type WorkerTask,
} from "./worker-registry.ts";
