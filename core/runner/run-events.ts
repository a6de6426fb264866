/**
 * What a run reports while it goes: every state change of the run and its
 * tasks is a typed event. The CLI's progress view, the metadata store and
 * the tests subscribe to them; nothing parses log text.
 */
import type { TaskKind } from "../builder/dag-definition.ts";

export type TaskState =
  "pending" | "running" | "success" | "failed" | "upstream_failed";

export interface TaskCounters {
  rowsRead: number;
  recordsSent: number;
  rejected: number;
}

export interface TaskSummary extends TaskCounters {
  taskId: string;
  kind: TaskKind;
  state: TaskState;
  durationMs: number;
  /** Why the task failed (redacted), when it did. */
  error?: string;
  /** The failure's stable code, when it was a backflow error. */
  errorCode?: string;
  /** Where the task's dry-run request bodies went, when dry. */
  dryRunDir?: string;
}

export interface RunSummary {
  dagId: string;
  runId: string;
  state: "success" | "failed";
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  tasks: TaskSummary[];
  totals: TaskCounters;
}

export type RunEvent =
  | { type: "run-started"; dagId: string; runId: string; taskIds: string[] }
  | { type: "task-started"; taskId: string; kind: TaskKind }
  | { type: "task-progress"; taskId: string; counters: TaskCounters }
  | { type: "task-finished"; summary: TaskSummary }
  | { type: "run-finished"; summary: RunSummary };

export type RunListener = (event: RunEvent) => void;

export function emptyCounters(): TaskCounters {
  return { rowsRead: 0, recordsSent: 0, rejected: 0 };
}
