/**
 * Live figures of a task from its counters and times: elapsed time, read
 * rate, and what is left when the total can be known.
 */
import type { ExpectedRows } from "./dashboard-records.ts";

export interface ProgressInput {
  readonly state: string;
  readonly rowsRead: number;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
}

export interface TaskProgress {
  /** Since the current try started; null before it did. */
  readonly elapsedMs: number | null;
  /** Rows read per second over the try; null until measurable. */
  readonly rowsPerSecond: number | null;
  /** Rows still to read, while running with a known total. */
  readonly rowsLeft: number | null;
  /** Time those rows take at the current rate. */
  readonly etaMs: number | null;
  readonly basis: ExpectedRows["basis"] | null;
}

export function taskProgress(
  task: ProgressInput,
  now: Date,
  expected: ExpectedRows | null = null,
): TaskProgress {
  const start = task.startedAt?.getTime();
  // A queued instance keeps its last try's start until its next try.
  if (start === undefined || task.state === "queued") {
    return {
      elapsedMs: null,
      rowsPerSecond: null,
      rowsLeft: null,
      etaMs: null,
      basis: null,
    };
  }
  const end =
    task.state === "running" ? now.getTime() : task.endedAt?.getTime();
  const elapsedMs = Math.max(0, (end ?? now.getTime()) - start);
  // Under a second, a rate says more about timer noise than about speed.
  const rowsPerSecond =
    elapsedMs >= 1000 && task.rowsRead > 0
      ? (task.rowsRead * 1000) / elapsedMs
      : null;

  if (task.state !== "running" || !expected) {
    return {
      elapsedMs,
      rowsPerSecond,
      rowsLeft: null,
      etaMs: null,
      basis: null,
    };
  }
  const rowsLeft = Math.max(0, expected.rows - task.rowsRead);
  const etaMs =
    rowsPerSecond === null ? null : (rowsLeft / rowsPerSecond) * 1000;
  return { elapsedMs, rowsPerSecond, rowsLeft, etaMs, basis: expected.basis };
}
