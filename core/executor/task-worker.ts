/**
 * A `backflow worker`: takes task jobs from the queue (graphile-worker) and
 * runs them exactly as the local scheduler would, with the scheduler's own
 * claim, executor and leases.
 *
 * Job rule:
 * 1. The job's DAG must be one this worker loaded. The worker forbids the
 *    flags of the DAGs the store knows and it lacks, so the queue hands it
 *    none of theirs; a job of a DAG it learns it lacks only now is dropped
 *    (and handed out again, to the others).
 * 2. The worker claims the instance in the store (claim-job.ts); a refused
 *    claim drops the job.
 * 3. The claimed try runs through `executeTry`: heartbeats on the lease,
 *    the DAG's timeout, retries with backoff, checkpoints, rejected rows.
 * 4. Its end is announced (task-ended.ts) so that schedulers pass at once.
 * A job whose handler fails before the claim (a store blip) is retried by
 * the queue; after the claim, every failure is the try's own end.
 *
 * Life: `start` registers the worker and starts taking jobs; a heartbeat
 * keeps the registration alive and marks silent workers lost (releasing
 * their jobs). `stop` takes no more jobs, tells running tasks to stop
 * (they finish the batch in flight, checkpoint, and are handed back as
 * queued, their try refunded), then says the worker stopped.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import { run, type Runner, type WorkerUtils } from "graphile-worker";
import type pg from "pg";

import type { DagDefinition } from "../builder/dag-definition.ts";
import { errorMessage } from "../errors.ts";
import { databaseClock, type Clock } from "../scheduler/clock.ts";
import { rows } from "../scheduler/transaction.ts";
import type { QueuedTask } from "../scheduler/remote-executor.ts";
import type { DagSource } from "../scheduler/scheduler.ts";
import type { SchedulerEvent } from "../scheduler/scheduler-events.ts";
import { executeTry, type ExecuteOptions } from "../scheduler/task-executor.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import { createLogger } from "../util/log.ts";
import { claimJob } from "./claim-job.ts";
import {
  createQueuePool,
  dagFlag,
  openQueueUtils,
  parseTaskJob,
  queueEvents,
  queueLogger,
  storeConnectionString,
  TASK_JOB,
} from "./job-queue.ts";
import { announceEnd } from "./task-ended.ts";
import {
  beatWorker,
  markLostWorkers,
  registerWorker,
  setQueueId,
  setWorkerState,
} from "./worker-registry.ts";

const log = createLogger({ scope: "worker" });

export type WorkerEvent =
  | Extract<SchedulerEvent, { type: "task-started" | "task-finished" }>
  | { type: "task-refused"; job: QueuedTask; reason: string }
  | { type: "worker-lost"; workerId: string }
  | { type: "job-failed"; job?: QueuedTask; error: string };

export type WorkerListener = (event: WorkerEvent) => void;

export interface TaskWorkerOptions {
  readonly store: MetadataStore;
  readonly source: DagSource;
  /** (default: the database's clock) */
  readonly clock?: Clock;
  /** This worker in the store (default: host:pid:random). */
  readonly worker?: string;
  /** Tasks this worker runs at once (default: 4). */
  readonly concurrency?: number;
  /** Lease renewal of a running task, and the worker's own beat (5000). */
  readonly heartbeatMs?: number;
  /** A worker silent this long is marked lost (default: 60000 ms). */
  readonly workerTimeoutMs?: number;
  /** How long a stopped task may ignore its signal (default: 30000 ms). */
  readonly abandonMs?: number;
  /** Tasks per Mixpanel connection, over all processes (default: 4). */
  readonly maxTasksPerConnection?: number;
  /** Caps of named Mixpanel connections, overriding the default. */
  readonly connectionCaps?: Readonly<Record<string, number>>;
  /** How often the queue looks for jobs it was not told of (1000 ms). */
  readonly pollIntervalMs?: number;
  readonly runOptions?: ExecuteOptions["runOptions"];
  readonly random?: () => number;
  readonly listener?: WorkerListener;
}

export class TaskWorker {
  readonly id: string;
  readonly #o: TaskWorkerOptions;
  readonly #clock: Clock;
  readonly #emit: WorkerListener;
  readonly #shutdown = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  /** Flags of the DAGs this worker lacks: their jobs are not fetched. */
  readonly #forbidden = new Set<string>();
  #queuePool: pg.Pool | undefined;
  #utils: WorkerUtils | undefined;
  #runner: Runner | undefined;
  #beat: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: TaskWorkerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? databaseClock(options.store.pool);
    this.#emit = options.listener ?? (() => {});
    this.id =
      options.worker ??
      `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  }

  get concurrency(): number {
    return this.#o.concurrency ?? 4;
  }

  /** Tasks running in this worker now. */
  get busy(): number {
    return this.#running.size;
  }

  /** Registers and starts taking jobs; resolves once it takes them. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    const { store } = this.#o;
    await this.#clock.sync?.();
    await registerWorker(store.pool, {
      workerId: this.id,
      host: hostname(),
      pid: process.pid,
      concurrency: this.concurrency,
    });
    // One listening, and one per job at most to fetch and complete it.
    this.#queuePool = createQueuePool(
      storeConnectionString(store.pool),
      this.concurrency + 1,
    );
    this.#utils = await openQueueUtils(this.#queuePool);
    await this.#refreshForbidden();
    const events = queueEvents();
    events.on("pool:create", ({ workerPool }) => {
      setQueueId(store.pool, this.id, workerPool.id).catch((error: unknown) =>
        log.warn("queue_id_not_recorded", { error }),
      );
    });
    this.#runner = await run({
      pgPool: this.#queuePool,
      concurrency: this.concurrency,
      noHandleSignals: true,
      pollInterval: this.#o.pollIntervalMs ?? 1000,
      logger: queueLogger(),
      events,
      // No cron items: schedules are the scheduler's (and a `crontab` file
      // in the working folder must not be read).
      parsedCronItems: [],
      // Unbatched, the queue marks a job done without waiting, and its
      // shutdown does not wait for that either: a task that ran until
      // `stop` would leave its job locked (for hours) when the pool ends.
      // Through the batcher (flushed at once) the shutdown waits for it.
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      forbiddenFlags: () => [...this.#forbidden],
      taskList: {
        [TASK_JOB]: (payload) => this.#track(this.#handle(payload)),
      },
    });
    const beatMs = this.#o.heartbeatMs ?? 5000;
    this.#beat = setInterval(() => {
      this.#beating = this.#beating.then(() => this.#heartbeat());
    }, beatMs);
  }

  /** Takes no more jobs, hands running tasks back, says it stopped. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#shutdown.abort();
      await this.#started?.catch(() => {});
      clearInterval(this.#beat);
      await this.#beating;
      const { pool } = this.#o.store;
      await setWorkerState(pool, this.id, "stopping").catch(() => {});
      // Running tasks see the signal now; the queue waits for them.
      await this.#runner?.stop().catch((error: unknown) => {
        log.warn("queue_stop_failed", { error });
      });
      await Promise.allSettled(this.#running);
      const utils = this.#utils;
      if (utils) await Promise.resolve(utils.release()).catch(() => {});
      await this.#queuePool?.end().catch(() => {});
      await setWorkerState(pool, this.id, "stopped").catch(() => {});
    })();
    return this.#stopped;
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work)).catch(() => {});
    return work;
  }

  async #heartbeat(): Promise<void> {
    const { pool } = this.#o.store;
    try {
      await this.#clock.sync?.();
      if (!(await beatWorker(pool, this.id))) {
        log.warn("worker_unregistered", { worker: this.id });
      }
      await this.#refreshForbidden();
      const lost = await markLostWorkers(
        pool,
        this.#o.workerTimeoutMs ?? 60_000,
      );
      for (const { workerId, queueId } of lost) {
        log.warn("worker_lost", { worker: workerId });
        this.#emit({ type: "worker-lost", workerId });
        // Its jobs run again here or elsewhere; each finds its try taken
        // (or taken back and handed out anew) and is dropped.
        if (queueId) await this.#utils?.forceUnlockWorkers([queueId]);
      }
    } catch (error) {
      log.warn("worker_heartbeat_failed", { worker: this.id, error });
    }
  }

  #dag(id: string): DagDefinition | undefined {
    return this.#o.source.dags().find((d) => d.id === id);
  }

  /** Forbids the DAGs the store knows that this worker's source lacks. */
  async #refreshForbidden(): Promise<void> {
    const known = await rows<{ dagId: string }>(
      this.#o.store.pool,
      "reading the DAGs",
      `select dag_id as "dagId" from dags`,
    );
    const here = new Set(this.#o.source.dags().map((d) => d.id));
    this.#forbidden.clear();
    for (const { dagId } of known) {
      if (!here.has(dagId)) this.#forbidden.add(dagFlag(dagId));
    }
  }

  async #handle(payload: unknown): Promise<void> {
    const job = parseTaskJob(payload);
    // 1.
    if (this.#shutdown.signal.aborted) return;
    const dag = this.#dag(job.dagId);
    if (!dag) {
      this.#forbidden.add(dagFlag(job.dagId));
      log.warn("dag_unknown", { dag: job.dagId, worker: this.id });
      this.#emit({
        type: "task-refused",
        job,
        reason: `this worker has no DAG "${job.dagId}" in its pipelines`,
      });
      return;
    }

    // 2.
    const defaultCap = this.#o.maxTasksPerConnection ?? 4;
    const caps = this.#o.connectionCaps ?? {};
    const claimed = await claimJob(this.#o.store.pool, {
      job,
      dag,
      worker: this.id,
      now: () => this.#clock.now(),
      poolCap: (name) => caps[name] ?? defaultCap,
    });
    if (!claimed.claimed) {
      log.debug("job_refused", { ...job, reason: claimed.reason });
      this.#emit({ type: "task-refused", job, reason: claimed.reason });
      return;
    }

    // 3.
    const { run: dagRun, instance } = claimed;
    const { runId, taskId, tryNumber } = instance;
    this.#emit({
      type: "task-started",
      dagId: dag.id,
      runId,
      taskId,
      tryNumber,
    });
    let state = "running";
    let nextTryAt: Date | undefined;
    try {
      const outcome = await executeTry(dag, dagRun, instance, {
        store: this.#o.store,
        clock: this.#clock,
        heartbeatMs: this.#o.heartbeatMs ?? 5000,
        abandonMs: this.#o.abandonMs ?? 30_000,
        shutdown: this.#shutdown.signal,
        ...(this.#o.runOptions ? { runOptions: this.#o.runOptions } : {}),
        ...(this.#o.random ? { random: this.#o.random } : {}),
      });
      state = outcome.state;
      nextTryAt = outcome.nextTryAt;
      this.#emit({
        type: "task-finished",
        dagId: dag.id,
        runId,
        taskId,
        tryNumber,
        state: outcome.state,
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
        ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
        ...(outcome.nextTryAt ? { nextTryAt: outcome.nextTryAt } : {}),
      });
    } catch (error) {
      // The lease stays running; heartbeat expiry hands it back. The job
      // is done either way: a retry of it would find the try taken.
      log.error("task.end_not_recorded", { run: runId, task: taskId, error });
      this.#emit({ type: "job-failed", job, error: errorMessage(error) });
      return;
    }

    // 4.
    await announceEnd(this.#o.store.pool, {
      runId,
      taskId,
      state,
      ...(nextTryAt ? { nextTryAt } : {}),
    }).catch((error: unknown) => log.warn("announce_failed", { error }));
  }
}
