/**
 * The records the metadata store holds, as the repositories return them.
 */
export type RunType = "manual" | "scheduled" | "backfill";
export type RunState =
  "queued" | "running" | "success" | "failed" | "skipped" | "cancelled";
export type TaskState =
  | "queued"
  | "running"
  | "success"
  | "failed"
  | "up_for_retry"
  | "skipped"
  | "upstream_failed"
  /** Ended by `backflow cancel`: stopped while running, or never started. */
  | "cancelled";
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface DagRun {
  readonly id: number;
  readonly dagId: string;
  readonly runType: RunType;
  readonly logicalDate: Date;
  /** Null only for a manual run without an interval. */
  readonly dataIntervalStart: Date | null;
  readonly dataIntervalEnd: Date | null;
  readonly state: RunState;
  readonly conf: Record<string, unknown>;
  readonly queuedAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
}

export interface TaskCounters {
  readonly rowsRead: number;
  readonly recordsSent: number;
  readonly recordsRejected: number;
}

/** A task of a run. Counters and times are those of the current try. */
export interface TaskInstance extends TaskCounters {
  readonly runId: number;
  readonly taskId: string;
  readonly state: TaskState;
  /** 0 before the first try, then 1, 2, … */
  readonly tryNumber: number;
  readonly maxTries: number;
  readonly queuedAt: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
  readonly heartbeatAt: Date | null;
  readonly nextTryAt: Date | null;
  /** Who runs it, e.g. "host:pid". */
  readonly worker: string | null;
  readonly error: string | null;
  readonly errorCode: string | null;
}

export interface LogEntry {
  readonly id: number;
  readonly runId: number;
  readonly taskId: string | null;
  readonly tryNumber: number | null;
  readonly ts: Date;
  readonly level: LogLevel;
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

export type RejectSource = "mapping" | "local" | "mixpanel";

export interface RejectedRow {
  readonly id: number;
  readonly runId: number;
  readonly taskId: string;
  readonly tryNumber: number | null;
  /** Where it was refused: the mapper, the local rule check, Mixpanel. */
  readonly source: RejectSource;
  readonly rowKey: string | null;
  readonly field: string | null;
  readonly reason: string;
  /** A short extract of the row or record, secrets redacted. */
  readonly excerpt: unknown;
  readonly recordedAt: Date;
}
