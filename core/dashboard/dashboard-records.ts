/**
 * What the dashboard shows, as read from the metadata store. Each view is
 * one snapshot taken at `readAt`, the database's clock, so that elapsed
 * times agree with the times the scheduler stored whatever this host's
 * clock says.
 */
import type {
  DagRun,
  LogEntry,
  RejectedRow,
  RunState,
  RunType,
  TaskInstance,
} from "../store/records.ts";
import type { WorkerRecord } from "../executor/worker-registry.ts";

/** A DAG's newest run, in brief. */
export interface RunBrief {
  readonly id: number;
  readonly runType: RunType;
  readonly state: RunState;
  readonly logicalDate: Date;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
}

export interface DagSummary {
  readonly dagId: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly isPaused: boolean;
  readonly description: string | null;
  readonly taskCount: number;
  /** Tasks that write to the warehouse (`d.sql`), by id. */
  readonly writes: readonly string[];
  /** The next fire time after `readAt`; null when unscheduled. */
  readonly nextRunAt: Date | null;
  /** Why no next run could be computed (a schedule the store holds). */
  readonly scheduleError: string | null;
  readonly lastRun: RunBrief | null;
  /** Runs queued or running. */
  readonly activeRuns: number;
}

export interface ImportErrorBrief {
  readonly pipelinesDir: string;
  readonly file: string;
  readonly message: string;
  readonly recordedAt: Date;
}

/** The DAG list. */
export interface Overview {
  readonly readAt: Date;
  readonly dags: readonly DagSummary[];
  readonly importErrors: readonly ImportErrorBrief[];
  /** `backflow worker`s (distributed executor), alive first, if any. */
  readonly workers?: readonly WorkerRecord[];
}

export interface GridRun {
  readonly run: DagRun;
  /** By task id; a task the run never queued is absent. */
  readonly tasks: Readonly<Record<string, TaskInstance>>;
}

/** Recent runs × tasks of one DAG. */
export interface RunGrid {
  readonly readAt: Date;
  readonly dagId: string;
  /** Null when the store holds no serialized DAG of that id. */
  readonly dag: DagSummary | null;
  /** Rows, in dependency order. */
  readonly taskIds: readonly string[];
  /** Columns, oldest first. */
  readonly runs: readonly GridRun[];
}

/** A finished try of a task instance. */
export interface TaskTry {
  readonly tryNumber: number;
  readonly state: string;
  readonly startedAt: Date | null;
  readonly endedAt: Date;
  readonly worker: string | null;
  readonly rowsRead: number;
  readonly recordsSent: number;
  readonly recordsRejected: number;
  readonly error: string | null;
}

/** How many rows a task should read in all, and who says so. */
export interface ExpectedRows {
  readonly rows: number;
  /** "source": the task logged it; "previous run": the last full read. */
  readonly basis: "source" | "previous run";
}

/** One task instance with what explains it. */
export interface TaskDetail {
  readonly readAt: Date;
  readonly run: DagRun;
  readonly taskId: string;
  /** The DAG's zone, for showing times (default: UTC). */
  readonly timezone: string;
  /** Absent while the run has not queued the task. */
  readonly instance: TaskInstance | null;
  readonly tries: readonly TaskTry[];
  /** Stored rejections of this run's task, counted up to a cap. */
  readonly rejectedCount: number;
  readonly rejectedCountCapped: boolean;
  /** The newest rejections, newest first. */
  readonly rejectedSamples: readonly RejectedRow[];
  /** The last entries of the task's run log, oldest first. */
  readonly logTail: readonly LogEntry[];
  readonly expected: ExpectedRows | null;
}
