/**
 * `dag(id, options, build)`: declares a DAG. The build function receives a
 * builder whose factories add tasks; when it returns, the DAG is validated
 * (unique ids, known dependencies, no cycle, consistent connections) and
 * frozen.
 */
import { dependencyLevels } from "../graph/dependency-graph.ts";
import { DeferredParam } from "../source/sql.ts";
import { collectConnections } from "./collect-connections.ts";
import type {
  DagDefinition,
  TaskContext,
  TaskDefinition,
  TaskKind,
} from "./dag-definition.ts";
import { DagDefinitionError, DuplicateTaskError } from "./dag-errors.ts";
import { normalizeDagOptions, type DagOptions } from "./dag-options.ts";
import { assertId } from "./names.ts";
import {
  codeTask,
  sqlTask,
  syncTask,
  type DraftTask,
} from "./task-definitions.ts";
import {
  createHandle,
  type EdgeRecorder,
  type TaskHandle,
} from "./task-handle.ts";
import type {
  EventsSpec,
  GroupProfilesSpec,
  SqlSpec,
  UserProfilesSpec,
} from "./task-specs.ts";
import { waitForTask, type WaitForSpec } from "./wait-for.ts";

/** Names of the run's data interval in queries (see `bindQuery`). */
export const INTERVAL_START = "interval.start";
export const INTERVAL_END = "interval.end";

export interface DagBuilder {
  readonly id: string;
  /**
   * The run's data interval, usable inside queries: start inclusive, end
   * exclusive.
   *
   * @example
   * warehouse.query`select * from orders
   *   where created_at >= ${d.interval.start}
   *     and created_at < ${d.interval.end}`
   */
  readonly interval: {
    readonly start: DeferredParam;
    readonly end: DeferredParam;
  };
  /** Sends each row as an event (insert only, deduplicated by `$insert_id`). */
  events<Row>(id: string, spec: EventsSpec<Row>): TaskHandle<"events">;
  /** Upserts each row as a user profile. */
  userProfiles<Row>(
    id: string,
    spec: UserProfilesSpec<Row>,
  ): TaskHandle<"userProfiles">;
  /** Upserts each row as a group profile. */
  groupProfiles<Row>(
    id: string,
    spec: GroupProfilesSpec<Row>,
  ): TaskHandle<"groupProfiles">;
  /** Runs a statement in the warehouse (a write, outside read-only mode). */
  sql(id: string, spec: SqlSpec): TaskHandle<"sql">;
  /** Runs arbitrary TypeScript. */
  task(
    id: string,
    run: (ctx: TaskContext) => Promise<void> | void,
  ): TaskHandle<"task">;
  /**
   * Waits until a task of another DAG has succeeded for the same data
   * interval, polling the metadata store.
   *
   * @example
   * const ready = d.waitFor("orders-loaded", { dag: "load", task: "orders" });
   * d.events("orders", { … }).after(ready);
   *
   * Note: fails at once if that task failed, and after `timeoutMs`
   * (default: 1 hour) if it has not succeeded; needs the scheduler.
   */
  waitFor(id: string, spec: WaitForSpec): TaskHandle<"task">;
}

interface Entry {
  draft: DraftTask;
  deps: string[];
}

function buildTasks(id: string, build: (d: DagBuilder) => void) {
  const entries = new Map<string, Entry>();
  let open = true;

  const recorder: EdgeRecorder = {
    dagId: id,
    open: () => open,
    addDependencies(taskId, deps) {
      const entry = entries.get(taskId)!;
      for (const dep of deps) {
        if (!entry.deps.includes(dep)) entry.deps.push(dep);
      }
      return entry.deps;
    },
  };

  const add = <K extends TaskKind>(
    taskId: string,
    kind: K,
    draft: () => DraftTask,
  ): TaskHandle<K> => {
    if (!open) {
      throw new DagDefinitionError(
        id,
        taskId,
        "tasks must be added inside the build function",
      );
    }
    assertId(taskId, `DAG "${id}": task id`);
    const existing = entries.get(taskId);
    if (existing) {
      throw new DuplicateTaskError(id, taskId, existing.draft.kind, kind);
    }
    entries.set(taskId, { draft: draft(), deps: [] });
    return createHandle(recorder, taskId, kind, []);
  };

  type Spec = Parameters<typeof syncTask>[3];
  const builder: DagBuilder = Object.freeze({
    id,
    interval: Object.freeze({
      start: new DeferredParam(INTERVAL_START),
      end: new DeferredParam(INTERVAL_END),
    }),
    events: <Row>(taskId: string, spec: EventsSpec<Row>) =>
      add(taskId, "events", () =>
        syncTask(id, taskId, "events", spec as unknown as Spec),
      ),
    userProfiles: <Row>(taskId: string, spec: UserProfilesSpec<Row>) =>
      add(taskId, "userProfiles", () =>
        syncTask(id, taskId, "userProfiles", spec as unknown as Spec),
      ),
    groupProfiles: <Row>(taskId: string, spec: GroupProfilesSpec<Row>) =>
      add(taskId, "groupProfiles", () =>
        syncTask(id, taskId, "groupProfiles", spec as unknown as Spec),
      ),
    sql: (taskId: string, spec: SqlSpec) =>
      add(taskId, "sql", () => sqlTask(id, taskId, spec)),
    task: (taskId: string, run: (ctx: TaskContext) => Promise<void> | void) =>
      add(taskId, "task", () => codeTask(id, taskId, run)),
    waitFor: (taskId: string, spec: WaitForSpec) =>
      add(taskId, "task", () =>
        codeTask(id, taskId, waitForTask(id, taskId, spec)),
      ),
  });

  try {
    const result: unknown = build(builder);
    if (result instanceof Promise) {
      throw new DagDefinitionError(
        id,
        undefined,
        "the build function must add its tasks synchronously (it returned " +
          "a promise); move async work into d.task(...)",
      );
    }
  } finally {
    open = false;
  }
  return entries;
}

/**
 * Declares a DAG; a pipeline module exports the result as its default.
 *
 * @example
 * export default dag("shop", { schedule: "*\/15 * * * *" }, (d) => {
 *   const users = d.userProfiles("users", { … });
 *   d.events("orders", { … }).after(users);
 * });
 *
 * Note: throws `DagDefinitionError`, `DuplicateTaskError`, `CycleError` or
 * `UnknownTaskError` naming the DAG and the task to fix.
 */
export function dag(
  id: string,
  options: DagOptions,
  build: (d: DagBuilder) => void,
): DagDefinition {
  assertId(id, "DAG id");
  const normalized = normalizeDagOptions(id, options);
  if (typeof build !== "function") {
    throw new DagDefinitionError(
      id,
      undefined,
      "dag(id, options, build) needs a build function",
    );
  }

  const entries = buildTasks(id, build);
  if (entries.size === 0) {
    throw new DagDefinitionError(
      id,
      undefined,
      "the DAG has no tasks; add one in the build function",
    );
  }

  const graph = new Map([...entries].map(([k, e]) => [k, e.deps]));
  const levels = dependencyLevels(graph, id);
  const tasks = new Map<string, TaskDefinition>();
  for (const taskId of levels.flat()) {
    const { draft, deps } = entries.get(taskId)!;
    const task = { ...draft, dependsOn: Object.freeze([...deps]) };
    tasks.set(taskId, Object.freeze(task) as TaskDefinition);
  }

  return Object.freeze({
    kind: "dag" as const,
    id,
    ...normalized,
    options: Object.freeze({ ...options }) as Readonly<Record<string, unknown>>,
    tasks: Object.freeze([...tasks.values()]),
    levels: Object.freeze(levels.map((level) => Object.freeze(level))),
    connections: collectConnections(id, [...tasks.values()]),
    task: (taskId: string) => tasks.get(taskId),
  });
}
