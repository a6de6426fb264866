/**
 * Runs one claimed try of a task instance in this process, through the
 * runner, and decides how the try ends.
 *
 * Try rule:
 * 1. While the task runs, the lease is renewed every `heartbeatMs` (with
 *   the counters so far). A renewal that finds the lease gone means
 *   another scheduler took the task over: the work is aborted and nothing
 *   more is written for this try.
 * 2. Past the DAG's `taskTimeoutMs` the task's signal aborts; the try
 *   fails with TASK_TIMEOUT (which is retried).
 * 3. On shutdown the signal aborts too; a task that then stops (the sync
 *   engines finish the batch in flight and checkpoint first) is handed
 *   back as `queued` with its try refunded, for the next start to resume.
 * 4. A task that ignores its aborted signal is waited for `abandonMs`,
 *   then left behind: its try ends as if it had stopped.
 * 5. A failure is retried (`up_for_retry` at the backoff's time) when its
 *   code allows it and tries remain; otherwise the instance fails.
 * 6. A renewal that finds the run being cancelled (`backflow cancel`)
 *   aborts the signal with a RunCancelledError: the task stops as on
 *   shutdown (the batch in flight, then its checkpoint) and the try ends
 *   `cancelled`, never retried. A task that succeeded all the same keeps
 *   its success.
 */
import {
  logRowsRejected,
  logTaskFinished,
  logTaskStarted,
} from "../runner/task-log.ts";
import type { DagDefinition, TaskKind } from "../builder/dag-definition.ts";
import { BackflowError } from "../errors.ts";
import type {
  RunSummary,
  TaskCounters,
  TaskSummary,
} from "../runner/run-events.ts";
import type { RunRecorder } from "../runner/run-recorder.ts";
import { runDag, type RunDagOptions } from "../runner/run-dag.ts";
import type { RejectedRow } from "../runner/sync-task.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import type { DagRun, TaskInstance } from "../store/records.ts";
import { createLogger } from "../util/log.ts";
import type { Clock } from "./clock.ts";
import { isRetryable, retryDelay } from "./retry-policy.ts";
import {
  endTry,
  setCounters,
  upstreamTaskState,
  type Lease,
  type TryEnd,
} from "./task-leases.ts";

const log = createLogger({ scope: "scheduler" });

/** A try that ran past its DAG's `taskTimeoutMs`. */
export class TaskTimeoutError extends BackflowError {
  constructor(dagId: string, taskId: string, ms: number) {
    super(
      "TASK_TIMEOUT",
      `DAG "${dagId}", task "${taskId}": timed out after ${ms} ms ` +
        `(taskTimeoutMs); raise it or make the task faster`,
      { retryable: true },
    );
  }
}

/** The reason a task's signal aborts when the scheduler shuts down. */
export class ShutdownError extends BackflowError {
  constructor() {
    super("ABORTED", "the scheduler is shutting down", { retryable: true });
  }
}

/** The reason a task's signal aborts when its run is cancelled. */
export class RunCancelledError extends BackflowError {
  constructor(dagId: string, lease: Lease) {
    super(
      "RUN_CANCELLED",
      `DAG "${dagId}", task "${lease.taskId}": run ${lease.runId} was ` +
        `cancelled by the user (backflow cancel)`,
    );
  }
}

class LeaseLostError extends BackflowError {
  constructor(lease: Lease) {
    super(
      "ABORTED",
      `task "${lease.taskId}" of run ${lease.runId} was taken over by ` +
        `another scheduler (this one missed its heartbeats)`,
    );
  }
}

export interface ExecuteOptions {
  readonly store: MetadataStore;
  readonly clock: Clock;
  readonly heartbeatMs: number;
  readonly abandonMs: number;
  /** Aborts the try when the scheduler shuts down. */
  readonly shutdown: AbortSignal;
  readonly runOptions?: Omit<
    RunDagOptions,
    "taskIds" | "interval" | "signal" | "recorder" | "upstream"
  >;
  readonly random?: () => number;
}

/** How a try ended, as far as this process knows. */
export interface TryOutcome {
  readonly state: TryEnd["state"] | "lost";
  readonly tryState: string;
  readonly error?: string;
  readonly errorCode?: string;
  readonly nextTryAt?: Date;
  readonly rejected: number;
}

/** The runner's recorder, bound to one leased try. */
class LeaseRecorder implements RunRecorder {
  latest = { rowsRead: 0, recordsSent: 0, recordsRejected: 0 };
  summary: TaskSummary | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly lease: Lease,
  ) {}

  async startRun(): Promise<string> {
    return String(this.lease.runId);
  }

  async startTask(_runId: string, taskId: string, _kind: TaskKind) {
    await logTaskStarted(
      this.store,
      this.lease.runId,
      taskId,
      this.lease.tryNumber,
    );
  }

  progress(_runId: string, _taskId: string, c: TaskCounters) {
    this.latest = {
      rowsRead: c.rowsRead,
      recordsSent: c.recordsSent,
      recordsRejected: c.rejected,
    };
  }

  async rejected(_runId: string, taskId: string, rows: RejectedRow[]) {
    // Open until delivered; older open rejections of the same keys are
    // superseded, as in the runner's own recorder.
    await this.store.sync.rejections.record(this.lease.runId, taskId, rows);
    await logRowsRejected(this.store, this.lease.runId, taskId, rows);
  }

  async finishTask(_runId: string, summary: TaskSummary) {
    this.summary = summary;
    await logTaskFinished(this.store, this.lease.runId, summary);
  }

  async finishRun(_runId: string, _summary: RunSummary) {}
}

/** Runs a claimed try to its end and records that end. */
export async function executeTry(
  dag: DagDefinition,
  run: DagRun,
  instance: TaskInstance,
  options: ExecuteOptions,
): Promise<TryOutcome> {
  const { store, clock } = options;
  const lease: Lease = {
    runId: instance.runId,
    taskId: instance.taskId,
    worker: instance.worker,
    tryNumber: instance.tryNumber,
  };
  if (options.shutdown.aborted) {
    // Claimed as the scheduler began to stop: hand it straight back.
    const back: TryEnd = {
      state: "queued",
      tryState: "interrupted",
      refund: true,
      error: new ShutdownError().message,
      errorCode: "ABORTED",
    };
    await endTry(store.pool, lease, back, clock.now());
    return { ...back, state: "queued", rejected: 0 };
  }
  const recorder = new LeaseRecorder(store, lease);
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const onShutdown = () => abort(new ShutdownError());
  options.shutdown.addEventListener("abort", onShutdown, { once: true });

  // 1. Heartbeats, carrying the counters so far.
  let beating = Promise.resolve();
  const beat = setInterval(() => {
    beating = beating.then(async () => {
      const status = await setCounters(
        store.pool,
        lease,
        recorder.latest,
        clock.now(),
      ).catch((error: unknown) => {
        log.warn("heartbeat_failed", { run: lease.runId, error });
        return "held" as const;
      });
      if (status === "lost") abort(new LeaseLostError(lease));
      // 6.
      if (status === "cancelled") abort(new RunCancelledError(dag.id, lease));
    });
  }, options.heartbeatMs);

  // 2. Timeout.
  const limit = dag.taskTimeoutMs;
  const timer =
    limit === undefined
      ? undefined
      : setTimeout(
          () => abort(new TaskTimeoutError(dag.id, lease.taskId, limit)),
          limit,
        );

  const interval = {
    start: run.dataIntervalStart ?? run.logicalDate,
    end: run.dataIntervalEnd ?? run.logicalDate,
  };
  const work = runDag(dag, {
    ...options.runOptions,
    taskIds: [lease.taskId],
    interval,
    signal: controller.signal,
    recorder,
    upstream: {
      taskState: (dagId, taskId, span) =>
        upstreamTaskState(store.pool, dagId, taskId, span),
    },
  });

  // 4. A task that ignores its signal is left behind after `abandonMs`.
  let failure: unknown;
  const done = work.then(
    () => true,
    (error: unknown) => {
      failure = error;
      return true;
    },
  );
  const abandoned = new Promise<boolean>((resolve) => {
    const wait = () => {
      const timer = setTimeout(() => resolve(false), options.abandonMs);
      void done.then(() => clearTimeout(timer));
    };
    if (controller.signal.aborted) wait();
    else controller.signal.addEventListener("abort", wait, { once: true });
  });
  if (!(await Promise.race([done, abandoned]))) {
    log.warn("task_abandoned", {
      run: lease.runId,
      task: lease.taskId,
      waitedMs: options.abandonMs,
    });
  }
  if (failure !== undefined) {
    log.error("task_run_failed", { run: lease.runId, error: failure });
  }
  clearInterval(beat);
  clearTimeout(timer);
  options.shutdown.removeEventListener("abort", onShutdown);
  await beating;
  return finish(dag, instance, lease, recorder, controller.signal, options);
}

async function finish(
  dag: DagDefinition,
  instance: TaskInstance,
  lease: Lease,
  recorder: LeaseRecorder,
  signal: AbortSignal,
  options: ExecuteOptions,
): Promise<TryOutcome> {
  const { store, clock } = options;
  const random = options.random ?? Math.random;
  const summary = recorder.summary;
  const counters = recorder.latest;
  const rejected = counters.recordsRejected;
  const reason: unknown = signal.aborted ? signal.reason : undefined;

  if (reason instanceof LeaseLostError) {
    log.warn("lease_lost", { run: lease.runId, task: lease.taskId });
    return { state: "lost", tryState: "lost", rejected };
  }

  let end: TryEnd;
  if (summary?.state === "success") {
    end = { state: "success", tryState: "success" };
  } else if (reason instanceof RunCancelledError) {
    // 6. Not retried, whatever the tries left.
    end = {
      state: "cancelled",
      tryState: "cancelled",
      error: reason.message,
      errorCode: reason.code,
    };
  } else if (reason instanceof ShutdownError) {
    // 3. Handed back for the next start to resume.
    end = {
      state: "queued",
      tryState: "interrupted",
      refund: true,
      error: reason.message,
      errorCode: reason.code,
    };
  } else {
    // 5. A failure: retried while its code allows and tries remain.
    const timedOut = reason instanceof TaskTimeoutError;
    const code = timedOut ? reason.code : summary?.errorCode;
    const error = timedOut
      ? reason.message
      : (summary?.error ?? "the task stopped without a result");
    const retry = isRetryable(code) && instance.tryNumber < instance.maxTries;
    const nextTryAt = retry
      ? new Date(
          clock.now().getTime() + retryDelay(instance.tryNumber, dag, random()),
        )
      : undefined;
    end = {
      state: retry ? "up_for_retry" : "failed",
      tryState: "failed",
      error,
      ...(code === undefined ? {} : { errorCode: code }),
      ...(nextTryAt ? { nextTryAt } : {}),
    };
  }

  const written = await endTry(
    store.pool,
    lease,
    { ...end, counters: summaryCounters(summary) ?? counters },
    clock.now(),
  );
  if (!written) {
    log.warn("lease_lost", { run: lease.runId, task: lease.taskId });
    return { state: "lost", tryState: "lost", rejected };
  }
  return {
    state: end.state,
    tryState: end.tryState,
    ...(end.error === undefined ? {} : { error: end.error }),
    ...(end.errorCode === undefined ? {} : { errorCode: end.errorCode }),
    ...(end.nextTryAt ? { nextTryAt: end.nextTryAt } : {}),
    rejected: summary?.rejected ?? rejected,
  };
}

function summaryCounters(summary: TaskSummary | undefined) {
  if (!summary) return undefined;
  return {
    rowsRead: summary.rowsRead,
    recordsSent: summary.recordsSent,
    recordsRejected: summary.rejected,
  };
}
