/**
 * Errors of the dependency graph. Both name the DAG (when known) and the
 * tasks involved, so the user can find the `.after(...)` call to change.
 */
import { BackflowError } from "../errors.ts";

const where = (dagId: string | undefined) =>
  dagId === undefined ? "" : `DAG "${dagId}": `;

/** Tasks depend on each other in a loop, so none of them could ever start. */
export class CycleError extends BackflowError {
  /** The loop, first task repeated at the end: `["a", "b", "a"]`. */
  readonly cycle: readonly string[];
  readonly dagId: string | undefined;

  constructor(cycle: readonly string[], dagId?: string) {
    super(
      "GRAPH_CYCLE",
      `${where(dagId)}tasks depend on each other in a cycle: ` +
        `${cycle.join(" → ")}. Remove one of these .after(...) links.`,
    );
    this.cycle = Object.freeze([...cycle]);
    this.dagId = dagId;
  }
}

/** A task waits on a task that the graph does not hold. */
export class UnknownTaskError extends BackflowError {
  readonly task: string;
  readonly dependency: string;
  readonly dagId: string | undefined;

  constructor(task: string, dependency: string, dagId?: string) {
    super(
      "GRAPH_UNKNOWN_TASK",
      `${where(dagId)}task "${task}" runs after "${dependency}", ` +
        `which is not a task of this DAG. Pass a task created by this ` +
        `DAG's builder to .after(...).`,
    );
    this.task = task;
    this.dependency = dependency;
    this.dagId = dagId;
  }
}
