/**
 * What `dag(...)` produces and the runner consumes: a frozen, validated
 * description of a DAG and its tasks. Row types are erased here; they have
 * done their job at compile time.
 */
import type {
  AnyRow,
  ColumnOf,
  EventMapping,
  GroupProfileMapping,
  UserProfileMapping,
} from "../mapping/mapping-spec.ts";
import type { SqlQuery } from "../source/sql.ts";
import type { Logger } from "../util/log.ts";
import type { NotifyOptions, OverlapPolicy } from "./dag-options.ts";
import type { MixpanelConnection } from "./mixpanel-connection.ts";
import type { PostgresConnection, SourceQuery } from "./postgres-connection.ts";

export type TaskKind =
  "events" | "userProfiles" | "groupProfiles" | "sql" | "task";

export type SyncTaskKind = "events" | "userProfiles" | "groupProfiles";

/** When a sync task fails because too many rows were rejected. */
export interface RejectThreshold {
  /** Fail past this many rejected rows in one run (default: no limit). */
  maxRows?: number;
  /** Fail past this share of rejected rows, 0–1 (default: 0.1). */
  maxShare?: number;
}

/** Used when a task sets no `rejectThreshold`. */
export const DEFAULT_REJECT_THRESHOLD: Readonly<RejectThreshold> =
  Object.freeze({ maxShare: 0.1 });

/**
 * Reading only rows changed since the last acknowledged run, by a cursor
 * column. Note: read by the incremental sync engine; a task without it reads
 * what its query selects (use `d.interval` to slice by run).
 */
export interface IncrementalOptions<Row> {
  /** A column that grows as rows change, e.g. `updated_at`. */
  cursor: ColumnOf<Row>;
  /** Re-read this far behind the checkpoint for late rows (default: 0). */
  lookbackMs?: number;
}

/** What a `d.task(...)` function receives from the runner. */
export interface TaskContext {
  readonly dagId: string;
  readonly taskId: string;
  readonly runId: string;
  /** The run's data interval: start inclusive, end exclusive. */
  readonly interval: { readonly start: Date; readonly end: Date };
  /** Aborted on timeout or shutdown; pass it on to long operations. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /**
   * Reads tasks of other DAGs (`d.waitFor`); given by the scheduler, absent
   * in a bare `runDag` call.
   */
  readonly upstream?: UpstreamLookup;
}

/** How a task sees the runs of other DAGs. */
export interface UpstreamLookup {
  /**
   * The state of task `taskId` in the scheduled or backfill run of DAG
   * `dagId` for exactly this data interval, or undefined while there is no
   * such run or task yet.
   */
  taskState(
    dagId: string,
    taskId: string,
    interval: { readonly start: Date; readonly end: Date },
  ): Promise<string | undefined>;
}

interface TaskBase {
  readonly dagId: string;
  readonly id: string;
  /** Ids of the tasks of the same DAG that must succeed first. */
  readonly dependsOn: readonly string[];
}

interface SyncTaskBase extends TaskBase {
  readonly from: SourceQuery<AnyRow>;
  readonly to: MixpanelConnection;
  readonly rejectThreshold: Readonly<RejectThreshold>;
  readonly incremental: Readonly<IncrementalOptions<AnyRow>> | undefined;
}

export interface EventsTask extends SyncTaskBase {
  readonly kind: "events";
  readonly mapping: Readonly<EventMapping<AnyRow>>;
}

/**
 * Mirror mode: profiles whose rows left the query are deleted from
 * Mixpanel. Note: needs a full read (no `incremental`); a run that read no
 * row, or would delete more than `maxDeleteShare`, deletes nothing and
 * fails.
 */
export interface MirrorOptions {
  /** Largest share of known profiles one run may delete (default: 0.2). */
  maxDeleteShare?: number;
}

export interface UserProfilesTask extends SyncTaskBase {
  readonly kind: "userProfiles";
  readonly mapping: Readonly<UserProfileMapping<AnyRow>>;
  readonly mirror?: Readonly<MirrorOptions>;
}

export interface GroupProfilesTask extends SyncTaskBase {
  readonly kind: "groupProfiles";
  readonly mapping: Readonly<GroupProfileMapping<AnyRow>>;
  readonly mirror?: Readonly<MirrorOptions>;
}

/** A statement run in the warehouse: explicitly a write. */
export interface SqlTask extends TaskBase {
  readonly kind: "sql";
  readonly on: PostgresConnection;
  readonly statement: SqlQuery;
  /** (default: the connection's statement timeout) */
  readonly timeoutMs: number | undefined;
}

/** Arbitrary TypeScript. */
export interface CodeTask extends TaskBase {
  readonly kind: "task";
  readonly run: (ctx: TaskContext) => Promise<void> | void;
}

export type SyncTask = EventsTask | UserProfilesTask | GroupProfilesTask;
export type TaskDefinition = SyncTask | SqlTask | CodeTask;

export type Connection = PostgresConnection | MixpanelConnection;

/** A validated DAG, ready to be scheduled and run. */
export interface DagDefinition {
  readonly kind: "dag";
  readonly id: string;
  /** Cron expression or preset such as "@daily"; none means manual only. */
  readonly schedule: string | undefined;
  /** Zone the schedule is read in (default: "UTC"). */
  readonly timezone: string;
  /** Run every missed interval after a pause or outage (default: false). */
  readonly catchup: boolean;
  /** How far back catch-up reaches, in ms (default: 7 days). */
  readonly catchupWindowMs: number;
  /** Runs of this DAG at the same time (default: 1, no overlap). */
  readonly maxActiveRuns: number;
  /** A scheduled run finding the DAG busy queues or is skipped. */
  readonly overlap: OverlapPolicy;
  /** Tasks of this DAG running at once (default: 4). */
  readonly maxActiveTasks: number;
  /** Tries after a task's first failure (default: 0). */
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly retryJitter: number;
  /** Time limit of one try of a task (default: none). */
  readonly taskTimeoutMs: number | undefined;
  readonly notify: Readonly<NotifyOptions> | undefined;
  /** First data interval starts here (default: none). */
  readonly startDate: Date | undefined;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  /** The options as given, including keys for later features. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Every task, each after all of its dependencies. */
  readonly tasks: readonly TaskDefinition[];
  /** Task ids grouped by level; a level's tasks may run concurrently. */
  readonly levels: readonly (readonly string[])[];
  /** Every connection the tasks use, each once. */
  readonly connections: readonly Connection[];
  /** Looks a task up by id. */
  task(id: string): TaskDefinition | undefined;
}

export function isSyncTask(task: TaskDefinition): task is SyncTask {
  return (
    task.kind === "events" ||
    task.kind === "userProfiles" ||
    task.kind === "groupProfiles"
  );
}

export function isDagDefinition(value: unknown): value is DagDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "dag" &&
    Array.isArray((value as { tasks?: unknown }).tasks) &&
    Object.isFrozen(value)
  );
}
