/**
 * The scheduler's side of the distributed executor: hands ready task
 * instances to the job queue, and hears from the workers when tries end.
 *
 * @example
 * const executor = new QueueExecutor(store);
 * await executor.open();
 * const scheduler = new Scheduler({ store, source, executor });
 * // … later
 * await scheduler.stop();
 * await executor.close();
 */
import type { WorkerUtils } from "graphile-worker";
import type pg from "pg";

import type {
  QueuedTask,
  RemoteExecutor,
  RemoteTaskEnd,
} from "../scheduler/remote-executor.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import {
  addTaskJobs,
  createQueuePool,
  openJobs,
  openQueueUtils,
  storeConnectionString,
} from "./job-queue.ts";
import { listenForEnds } from "./task-ended.ts";

export interface QueueExecutorOptions {
  /** How often `drain` looks at the queue (default: 20 ms). */
  readonly drainPollMs?: number;
}

export class QueueExecutor implements RemoteExecutor {
  readonly #url: string;
  readonly #pool: pg.Pool;
  readonly #pollMs: number;
  #utils: Promise<WorkerUtils> | undefined;
  #closed: Promise<void> | undefined;

  constructor(store: MetadataStore, options: QueueExecutorOptions = {}) {
    this.#url = storeConnectionString(store.pool);
    this.#pool = createQueuePool(this.#url, 2);
    this.#pollMs = options.drainPollMs ?? 20;
  }

  /** Installs the queue's schema if needed (else done at first use). */
  async open(): Promise<void> {
    await this.#ready();
  }

  #ready(): Promise<WorkerUtils> {
    this.#utils ??= openQueueUtils(this.#pool);
    // A failed open is tried again at the next use.
    this.#utils.catch(() => (this.#utils = undefined));
    return this.#utils;
  }

  async enqueue(tasks: readonly QueuedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await addTaskJobs(await this.#ready(), tasks);
  }

  listen(onEnd: (end: RemoteTaskEnd) => void): Promise<() => Promise<void>> {
    return listenForEnds(this.#url, onEnd);
  }

  async drain(): Promise<boolean> {
    await this.#ready();
    let waited = false;
    while ((await openJobs(this.#pool)) > 0) {
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
    return waited;
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      const utils = await this.#utils?.catch(() => undefined);
      if (utils) await Promise.resolve(utils.release()).catch(() => {});
      await this.#pool.end().catch(() => {});
    })();
    return this.#closed;
  }
}
