/**
 * What the scheduler reports as it works: every state change it makes is a
 * typed event. The CLI prints them, tests subscribe to them.
 */
import type { DagRun } from "../store/records.ts";
import type { NotificationEvent } from "./notifier.ts";

export type SchedulerEvent =
  | { type: "dag-invalid"; dagId: string; error: string }
  | { type: "run-created"; run: DagRun }
  | { type: "run-started"; run: DagRun }
  | { type: "run-skipped"; run: DagRun }
  | { type: "run-finished"; run: DagRun }
  | {
      type: "task-started";
      dagId: string;
      runId: number;
      taskId: string;
      tryNumber: number;
    }
  | {
      type: "task-finished";
      dagId: string;
      runId: number;
      taskId: string;
      tryNumber: number;
      /** The instance's state after the try. */
      state: string;
      error?: string;
      errorCode?: string;
      nextTryAt?: Date;
    }
  | {
      type: "task-lost";
      runId: number;
      taskId: string;
      tryNumber: number;
      worker: string | null;
      /** False when the task failed for good (lost too often). */
      requeued: boolean;
    }
  | {
      type: "notified";
      dagId: string;
      runId: number;
      event: NotificationEvent;
      delivered: boolean;
      error?: string;
    }
  | { type: "tick-failed"; error: string };

export type SchedulerListener = (event: SchedulerEvent) => void;
