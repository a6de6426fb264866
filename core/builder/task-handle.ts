/**
 * Task handles: what the builder's factories return. A handle is frozen;
 * `.after(...)` returns a new handle and records the edges in the DAG under
 * construction, so `d.events(...).after(users)` works even when its result
 * is thrown away.
 */
import { UnknownTaskError } from "../graph/graph-errors.ts";
import { DagDefinitionError } from "./dag-errors.ts";
import type { TaskKind } from "./dag-definition.ts";

export interface TaskHandle<Kind extends TaskKind = TaskKind> {
  readonly dagId: string;
  readonly id: string;
  readonly kind: Kind;
  /** The dependencies recorded so far, in the order they were added. */
  readonly dependsOn: readonly string[];
  /**
   * Makes this task wait until every given task of the same DAG succeeded.
   *
   * @example
   * d.events("orders", { … }).after(users, accounts);
   *
   * Note: call it inside the build function of `dag(...)`.
   */
  after(...tasks: TaskHandle[]): TaskHandle<Kind>;
}

/** The mutable side of a DAG being built; handles write their edges here. */
export interface EdgeRecorder {
  readonly dagId: string;
  /** False once `dag(...)` has returned. */
  open(): boolean;
  /** Adds dependencies and returns the task's full list. */
  addDependencies(taskId: string, deps: readonly string[]): readonly string[];
}

const recorders = new WeakMap<object, EdgeRecorder>();

function dependencyId(
  recorder: EdgeRecorder,
  taskId: string,
  task: unknown,
): string {
  const owner = typeof task === "object" && task ? recorders.get(task) : null;
  if (!owner) {
    throw new DagDefinitionError(
      recorder.dagId,
      taskId,
      `.after(...) accepts tasks returned by d.events, d.userProfiles, ` +
        `d.groupProfiles, d.sql or d.task (got ${typeof task})`,
    );
  }
  const handle = task as TaskHandle;
  if (owner !== recorder) {
    throw new UnknownTaskError(
      taskId,
      `${handle.dagId}.${handle.id}`,
      recorder.dagId,
    );
  }
  return handle.id;
}

export function createHandle<Kind extends TaskKind>(
  recorder: EdgeRecorder,
  id: string,
  kind: Kind,
  dependsOn: readonly string[],
): TaskHandle<Kind> {
  const handle: TaskHandle<Kind> = Object.freeze({
    dagId: recorder.dagId,
    id,
    kind,
    dependsOn: Object.freeze([...dependsOn]),
    after(...tasks: TaskHandle[]) {
      if (!recorder.open()) {
        throw new DagDefinitionError(
          recorder.dagId,
          id,
          `.after(...) was called after dag(...) returned; call it inside ` +
            `the build function`,
        );
      }
      const deps = tasks.map((task) => dependencyId(recorder, id, task));
      const all = recorder.addDependencies(id, deps);
      return createHandle(recorder, id, kind, all);
    },
  });
  recorders.set(handle, recorder);
  return handle;
}
