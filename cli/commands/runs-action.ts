/**
 * What `backflow runs` does; `runs.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { UsageError } from "../../core/errors.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import type { RunState } from "../../core/store/records.ts";
import { intervalText } from "../render/scheduler-events.ts";
import { STATES } from "./runs.ts";

export interface RunsOptions {
  json?: boolean;
  limit: string;
  state?: string;
}

export async function runs(
  dagId: string | undefined,
  options: RunsOptions,
): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError("--limit must be a whole number above 0");
  }
  const state = options.state as RunState | undefined;
  if (state !== undefined && !STATES.includes(state)) {
    throw new UsageError(`--state must be one of ${STATES.join(", ")}`);
  }
  const store = await openStore();
  try {
    const runs = await store.runs.listRuns({
      ...(dagId ? { dagId } : {}),
      ...(state ? { states: [state] } : {}),
      limit,
    });
    const withTasks = await Promise.all(
      runs.map(async (run) => ({
        run,
        tasks: await store.runs.listTasks(run.id),
      })),
    );

    if (options.json) {
      const out = withTasks.map(({ run, tasks }) => ({
        id: run.id,
        dagId: run.dagId,
        runType: run.runType,
        state: run.state,
        logicalDate: run.logicalDate,
        dataInterval: {
          start: run.dataIntervalStart,
          end: run.dataIntervalEnd,
        },
        queuedAt: run.queuedAt,
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        tasks: tasks.map((t) => ({
          taskId: t.taskId,
          state: t.state,
          tryNumber: t.tryNumber,
          maxTries: t.maxTries,
          rowsRead: t.rowsRead,
          recordsSent: t.recordsSent,
          recordsRejected: t.recordsRejected,
          error: t.error,
          errorCode: t.errorCode,
          nextTryAt: t.nextTryAt,
        })),
      }));
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      return;
    }
    if (runs.length === 0) {
      process.stdout.write(`no runs${dagId ? ` of ${dagId}` : ""}\n`);
      return;
    }
    for (const { run, tasks } of withTasks) {
      const ok = tasks.filter((t) => t.state === "success").length;
      const seconds =
        run.startedAt && run.endedAt
          ? ` ${((run.endedAt.getTime() - run.startedAt.getTime()) / 1000).toFixed(1)}s`
          : "";
      process.stdout.write(
        `${String(run.id).padStart(5)}  ${run.dagId}  ${run.runType.padEnd(9)} ` +
          `${run.state.padEnd(9)} ${intervalText(run)}  ` +
          `${ok}/${tasks.length} tasks${seconds}\n`,
      );
      for (const t of tasks.filter((t) => t.error)) {
        process.stdout.write(`         ${t.taskId} ${t.state}: ${t.error}\n`);
      }
    }
  } finally {
    await store.close();
  }
}
