/**
 * What `backflow run` shows while it runs: on a terminal, a live table of
 * the tasks (an Ink view fed by the run's events); otherwise one plain
 * line per task start and end; with `--json`, nothing.
 */
import type { RunEvent, RunListener } from "../../core/runner/run-events.ts";
import type { LiveRun } from "../dashboard/run-progress-view.tsx";
import type { ProgressRow } from "../dashboard/task-progress-table.tsx";
import { eventLine } from "./run-summary.ts";

export type ProgressMode = "live" | "lines" | "quiet";

export interface RunProgress {
  readonly listener: RunListener;
  /** Settles once the view can draw (the live one loads Ink first). */
  readonly ready: Promise<void>;
  /** Shows the final state and lets go of the terminal. */
  stop(): void;
}

export interface RunProgressOptions {
  /** (default: process.stderr) */
  readonly stream?: NodeJS.WriteStream;
  /** Redraws at most this often (default: 100 ms). */
  readonly frameMs?: number;
}

/** Live view on a terminal stderr, lines elsewhere, nothing for JSON. */
export function progressMode(json: boolean | undefined): ProgressMode {
  if (json) return "quiet";
  return process.stderr.isTTY ? "live" : "lines";
}

const STATE = { pending: "queued" } as Record<string, string>;

/** Folds run events into the table's rows. */
export class LiveRunModel {
  run: LiveRun | undefined;

  apply(event: RunEvent, now = new Date()): void {
    if (event.type === "run-started") {
      this.run = {
        dagId: event.dagId,
        runId: event.runId,
        state: "running",
        startedAt: now,
        endedAt: null,
        tasks: event.taskIds.map((taskId) => ({
          taskId,
          state: "queued",
          rowsRead: 0,
          recordsSent: 0,
          rejected: 0,
          startedAt: null,
          endedAt: null,
        })),
      };
      return;
    }
    if (!this.run) return;
    if (event.type === "run-finished") {
      const { state, durationMs } = event.summary;
      const endedAt = new Date(this.run.startedAt.getTime() + durationMs);
      this.run = { ...this.run, state, endedAt };
      return;
    }
    const taskId =
      event.type === "task-finished" ? event.summary.taskId : event.taskId;
    this.#task(taskId, (row) => {
      if (event.type === "task-started") {
        return { ...row, state: "running", startedAt: now };
      }
      if (event.type === "task-progress") {
        return { ...row, ...event.counters };
      }
      // The runner measured the task; its duration is the one to show.
      const s = event.summary;
      const start = row.startedAt ?? new Date(now.getTime() - s.durationMs);
      return {
        ...row,
        state: STATE[s.state] ?? s.state,
        rowsRead: s.rowsRead,
        recordsSent: s.recordsSent,
        rejected: s.rejected,
        startedAt: start,
        endedAt: new Date(start.getTime() + s.durationMs),
      };
    });
  }

  #task(taskId: string, change: (row: ProgressRow) => ProgressRow) {
    const run = this.run!;
    this.run = {
      ...run,
      tasks: run.tasks.map((t) => (t.taskId === taskId ? change(t) : t)),
    };
  }
}

/**
 * Ink takes a second or more to import, which only the live view should
 * pay, so it loads in the background: events fold into the model at once
 * and the view draws the model as it stands once Ink is there. A run that
 * ends before that shows no live view (its summary follows anyway).
 */
function lazyLive(options: RunProgressOptions): RunProgress {
  const model = new LiveRunModel();
  let live: RunProgress | undefined;
  let stopped = false;
  const ready = import("./live-run-progress.ts").then(
    ({ liveProgress }) => {
      if (!stopped) live = liveProgress(model, options);
    },
    () => {},
  );
  return {
    ready,
    listener(event) {
      if (live) live.listener(event);
      else model.apply(event);
    },
    stop() {
      stopped = true;
      live?.stop();
    },
  };
}

/** Starts showing a run's progress in the given mode. */
export function startRunProgress(
  mode: ProgressMode,
  options: RunProgressOptions = {},
): RunProgress {
  if (mode === "live") return lazyLive(options);
  const stream = options.stream ?? process.stderr;
  return {
    ready: Promise.resolve(),
    listener(event) {
      const line = mode === "lines" ? eventLine(event) : undefined;
      if (line) stream.write(line + "\n");
    },
    stop() {},
  };
}
