/**
 * The job queue of the distributed executor: graphile-worker, in its own
 * schema (`graphile_worker`) of the metadata store's database, so that
 * scaling out needs nothing but the PostgreSQL backflow already has.
 *
 * Job rule:
 * - One job per try of a task instance, keyed by run, try and task, added
 *   in `unsafe_dedupe` mode: handing the same try out again while its job
 *   waits, runs, or waits for the engine's own retry adds nothing. Once the
 *   job is done (and deleted) the key is free again, so a task still
 *   waiting is handed out anew.
 * - The job only carries the key; the task instance in the store stays the
 *   truth, and a worker claims it there before anything runs.
 * - A job is flagged with its DAG, so that a worker whose pipelines lack
 *   that DAG never fetches it (it forbids the flag) and leaves it to one
 *   that has it.
 */
import { EventEmitter } from "node:events";

import {
  Logger,
  makeWorkerUtils,
  type WorkerEvents,
  type WorkerUtils,
} from "graphile-worker";
import pg from "pg";

import { BackflowError } from "../errors.ts";
import type { QueuedTask } from "../scheduler/remote-executor.ts";
import { toStoreError } from "../store/store-error.ts";
import { createLogger } from "../util/log.ts";
import { z } from "../util/zod.ts";

/** The graphile-worker task that runs a backflow task instance. */
export const TASK_JOB = "backflow_task";

/** The engine's own retries of a job whose handler threw (a store blip). */
export const JOB_ATTEMPTS = 10;

// "backflow" + 2 read as a bigint (the store's migration lock is + 0, the
// scheduling lock + 1): serializes installing the queue's schema.
const INSTALL_LOCK = "7089054359240779641";

const log = createLogger({ scope: "queue" });

export function jobKey(task: QueuedTask): string {
  return `backflow/${task.runId}/${task.tryNumber}/${task.taskId}`;
}

export function dagFlag(dagId: string): string {
  return `dag:${dagId}`;
}

const payloadSchema = z.object({
  runId: z.number().int().positive(),
  dagId: z.string().min(1),
  taskId: z.string().min(1),
  tryNumber: z.number().int().positive(),
});

/** A job's payload, checked (a job not added by backflow is refused). */
export function parseTaskJob(payload: unknown): QueuedTask {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new BackflowError(
      "CONFIG_INVALID",
      `a "${TASK_JOB}" job carries no task instance ` +
        `(${parsed.error.issues[0]?.message ?? "bad payload"}); ` +
        `only backflow should add jobs of this name`,
    );
  }
  return parsed.data;
}

/** graphile-worker's messages, through backflow's quiet JSON logger. */
export function queueLogger(): Logger {
  return new Logger((scope) => (level, message, meta) => {
    const fields = { ...scope, message, ...(meta ?? {}) };
    const name = level as string;
    if (name === "error") log.error("queue.error", fields);
    else if (name === "warning") log.warn("queue.warning", fields);
    else log.debug(`queue.${name}`, fields);
  });
}

export function queueEvents(): WorkerEvents {
  return new EventEmitter() as WorkerEvents;
}

/** The store's connection string, for the queue's own connections. */
export function storeConnectionString(pool: pg.Pool): string {
  const url = pool.options.connectionString;
  if (!url) {
    throw new BackflowError(
      "CONFIG_INVALID",
      "the metadata store's pool has no connection string; the " +
        "distributed executor needs one to reach the job queue",
    );
  }
  return url;
}

/**
 * Connections of the queue's own: graphile-worker keeps one listening and
 * parses rows its own way, so it never shares the store's pool.
 */
export function createQueuePool(connectionString: string, max: number) {
  const pool = new pg.Pool({
    connectionString,
    max,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: "backflow-queue",
    connectionTimeoutMillis: 30_000,
  });
  pool.on("connect", (client) => client.on("error", () => {}));
  pool.on("error", () => {});
  return pool;
}

/**
 * Opens the queue's utilities, installing or upgrading its schema first
 * (one process at a time: graphile-worker's own guard against a concurrent
 * install is a retry, which two fresh workers starting together can lose).
 */
export async function openQueueUtils(pool: pg.Pool): Promise<WorkerUtils> {
  const client = await pool.connect().catch((error: unknown) => {
    throw toStoreError(error, "connecting to the job queue");
  });
  let broken = false;
  try {
    await client.query("select pg_advisory_lock($1::bigint)", [INSTALL_LOCK]);
    try {
      const utils = await makeWorkerUtils({
        pgPool: pool,
        logger: queueLogger(),
      });
      try {
        await utils.migrate();
      } catch (error) {
        await utils.release();
        throw error;
      }
      return utils;
    } finally {
      await client.query("select pg_advisory_unlock($1::bigint)", [
        INSTALL_LOCK,
      ]);
    }
  } catch (error) {
    broken = true;
    throw toStoreError(error, "installing the job queue");
  } finally {
    client.release(broken);
  }
}

/** Adds one job per task (see the job rule); resolves once all are in. */
export async function addTaskJobs(
  utils: WorkerUtils,
  tasks: readonly QueuedTask[],
): Promise<void> {
  try {
    for (const task of tasks) {
      await utils.addJob(
        TASK_JOB,
        {
          runId: task.runId,
          dagId: task.dagId,
          taskId: task.taskId,
          tryNumber: task.tryNumber,
        },
        {
          jobKey: jobKey(task),
          jobKeyMode: "unsafe_dedupe",
          maxAttempts: JOB_ATTEMPTS,
          flags: [dagFlag(task.dagId)],
        },
      );
    }
  } catch (error) {
    throw toStoreError(error, "handing tasks to the workers");
  }
}

/** Jobs of backflow tasks that wait or run (not those failed for good). */
export async function openJobs(pool: pg.Pool): Promise<number> {
  try {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs
        where task_identifier = $1 and attempts < max_attempts`,
      [TASK_JOB],
    );
    return rows[0]?.n ?? 0;
  } catch (error) {
    throw toStoreError(error, "counting queued jobs");
  }
}
