/**
 * `d.waitFor(id, { dag, task })`: a task that succeeds once a task of
 * another DAG has succeeded for the same data interval (a sensor). It polls
 * the metadata store through `ctx.upstream`, which the scheduler provides.
 */
import { BackflowError, ConfigError } from "../errors.ts";
import type { TaskContext } from "./dag-definition.ts";
import { DagDefinitionError } from "./dag-errors.ts";
import { ID_PATTERN } from "./names.ts";

export interface WaitForSpec {
  /** The other DAG. */
  dag: string;
  /** Its task that must have succeeded. */
  task: string;
  /** Give up after this long, in ms (default: 1 hour). */
  timeoutMs?: number;
  /** Time between looks, in ms (default: 30000). */
  pollMs?: number;
}

/** The upstream task did not succeed within the wait's timeout. */
export class WaitTimeoutError extends BackflowError {
  constructor(message: string) {
    super("WAIT_TIMEOUT", message);
  }
}

/** The upstream task failed for good for this interval. */
export class UpstreamFailedError extends BackflowError {
  constructor(message: string) {
    super("UPSTREAM_FAILED", message);
  }
}

const FAILED = new Set(["failed", "upstream_failed", "skipped"]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener("abort", stop);
      resolve();
    }
    function stop() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", stop, { once: true });
  });
}

/** Checks a spec and returns the task's run function. */
export function waitForTask(
  dagId: string,
  taskId: string,
  spec: WaitForSpec,
): (ctx: TaskContext) => Promise<void> {
  const fail = (problem: string) => {
    throw new DagDefinitionError(dagId, taskId, problem);
  };
  if (typeof spec !== "object" || spec === null) {
    fail('d.waitFor needs { dag: "other-dag", task: "its-task" }');
  }
  for (const key of ["dag", "task"] as const) {
    if (typeof spec[key] !== "string" || !ID_PATTERN.test(spec[key])) {
      fail(`waitFor.${key} must be the id of a ${key}`);
    }
  }
  for (const key of ["timeoutMs", "pollMs"] as const) {
    const value = spec[key];
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      fail(`waitFor.${key} must be a positive whole number of ms`);
    }
  }
  const where = `DAG "${dagId}", task "${taskId}"`;
  const timeoutMs = spec.timeoutMs ?? 3_600_000;
  const pollMs = spec.pollMs ?? 30_000;
  const target = `task "${spec.task}" of DAG "${spec.dag}"`;

  return async (ctx) => {
    if (!ctx.upstream) {
      throw new ConfigError(
        `${where}: waiting for ${target} needs the metadata store; run ` +
          `this DAG with \`backflow scheduler\``,
      );
    }
    const deadline = Date.now() + timeoutMs;
    const span =
      `${ctx.interval.start.toISOString()} – ` + ctx.interval.end.toISOString();
    for (;;) {
      const state = await ctx.upstream.taskState(
        spec.dag,
        spec.task,
        ctx.interval,
      );
      if (state === "success") return;
      if (state !== undefined && FAILED.has(state)) {
        throw new UpstreamFailedError(
          `${target} ended ${state} for interval ${span}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new WaitTimeoutError(
          `${target} did not succeed for interval ${span} within ` +
            `${timeoutMs} ms (last state: ${state ?? "no run yet"})`,
        );
      }
      await sleep(Math.min(pollMs, left), ctx.signal);
    }
  };
}
