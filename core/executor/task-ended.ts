/**
 * Word from a worker that it ended a try, by PostgreSQL NOTIFY, so that a
 * scheduler passes at once (advancing the run, handing out what became
 * ready) rather than at its next wake. A lost word costs only latency: the
 * store holds the try's end either way.
 */
import pg from "pg";

import type { RemoteTaskEnd } from "../scheduler/remote-executor.ts";
import { rows, type Queryable } from "../scheduler/transaction.ts";
import { createLogger } from "../util/log.ts";

export const TASK_ENDED_CHANNEL = "backflow_task_ended";

const log = createLogger({ scope: "executor" });

export async function announceEnd(
  db: Queryable,
  end: RemoteTaskEnd,
): Promise<void> {
  await rows(db, "announcing a task's end", "select pg_notify($1, $2)", [
    TASK_ENDED_CHANNEL,
    JSON.stringify({
      runId: end.runId,
      taskId: end.taskId,
      state: end.state,
      nextTryAt: end.nextTryAt?.toISOString(),
    }),
  ]);
}

/** The announced end, or undefined for a payload that is not one. */
export function parseEnd(payload: string): RemoteTaskEnd | undefined {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    if (
      typeof value.runId !== "number" ||
      typeof value.taskId !== "string" ||
      typeof value.state !== "string"
    ) {
      return undefined;
    }
    const next =
      typeof value.nextTryAt === "string" ? new Date(value.nextTryAt) : null;
    return {
      runId: value.runId,
      taskId: value.taskId,
      state: value.state,
      ...(next && !Number.isNaN(next.getTime()) ? { nextTryAt: next } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * Listens on a connection of its own, connecting again after `retryMs`
 * when it drops. The first connection's failure is thrown; the function it
 * resolves with stops listening.
 */
export async function listenForEnds(
  connectionString: string,
  onEnd: (end: RemoteTaskEnd) => void,
  retryMs = 2000,
): Promise<() => Promise<void>> {
  let closed = false;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;

  const retry = () => {
    if (closed) return;
    timer = setTimeout(() => {
      connect().catch((error: unknown) => {
        log.warn("listen.reconnect_failed", { error });
        retry();
      });
    }, retryMs);
    timer.unref();
  };

  const connect = async () => {
    const client = new pg.Client({
      connectionString,
      application_name: "backflow-listen",
    });
    client.on("notification", (message) => {
      if (message.channel !== TASK_ENDED_CHANNEL || !message.payload) return;
      const end = parseEnd(message.payload);
      if (end) onEnd(end);
    });
    client.on("error", (error) => {
      log.warn("listen.dropped", { error });
      if (current === client) current = undefined;
      client.end().catch(() => {});
      retry();
    });
    await client.connect();
    try {
      await client.query(`listen ${TASK_ENDED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (closed) await client.end().catch(() => {});
    else current = client;
  };

  await connect();
  return async () => {
    closed = true;
    clearTimeout(timer);
    await current?.end().catch(() => {});
    current = undefined;
  };
}
