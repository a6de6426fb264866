/**
 * What the scheduler needs from an executor that runs tasks in other
 * processes (the distributed executor, `core/executor/`): a queue to hand
 * ready task instances to, and word of tries that ended there.
 *
 * Contract:
 * - Handing out is idempotent per try: a task handed out twice for the same
 *   try is run at most once (the worker claims the instance in the store,
 *   conditionally, and the job key dedupes), so several schedulers may hand
 *   out the same picks.
 * - Handing out promises nothing: a worker that finds the task no longer
 *   ready, its DAG paused, or a cap full drops the job, and the scheduler
 *   hands the task out again on a later pass while it stays ready.
 */

/** A ready task instance, for the try a worker will start. */
export interface QueuedTask {
  readonly runId: number;
  readonly dagId: string;
  readonly taskId: string;
  /** The instance's `try_number` + 1. */
  readonly tryNumber: number;
}

/** A try that a worker ended. */
export interface RemoteTaskEnd {
  readonly runId: number;
  readonly taskId: string;
  readonly state: string;
  /** When the next try is due, for a task up for retry. */
  readonly nextTryAt?: Date;
}

export interface RemoteExecutor {
  /** Hands ready task instances to the workers. */
  enqueue(tasks: readonly QueuedTask[]): Promise<void>;
  /**
   * Calls `onEnd` soon after a worker ends a try (best effort: the
   * scheduler's own wakes still come); resolves with a function that stops
   * listening.
   */
  listen(onEnd: (end: RemoteTaskEnd) => void): Promise<() => Promise<void>>;
  /**
   * Resolves once nothing handed out waits or runs (tests); whether
   * anything did when called.
   */
  drain(): Promise<boolean>;
}
