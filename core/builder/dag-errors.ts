/**
 * Errors raised while a DAG is built. They name the DAG and, where there is
 * one, the task, and say what to change in the pipeline module.
 */
import { BackflowError } from "../errors.ts";

/** A DAG or one of its tasks is declared wrongly. */
export class DagDefinitionError extends BackflowError {
  readonly dagId: string;
  readonly taskId: string | undefined;

  constructor(dagId: string, taskId: string | undefined, problem: string) {
    const task = taskId === undefined ? "" : `, task "${taskId}"`;
    super("DAG_INVALID", `DAG "${dagId}"${task}: ${problem}`);
    this.dagId = dagId;
    this.taskId = taskId;
  }
}

/** Two tasks of one DAG share an id. */
export class DuplicateTaskError extends BackflowError {
  readonly dagId: string;
  readonly taskId: string;

  constructor(dagId: string, taskId: string, first: string, second: string) {
    super(
      "DAG_DUPLICATE_TASK",
      `DAG "${dagId}" declares task "${taskId}" twice: first as ` +
        `d.${first}("${taskId}", …), then as d.${second}("${taskId}", …). ` +
        `Task ids must be unique within a DAG; rename one of them.`,
    );
    this.dagId = dagId;
    this.taskId = taskId;
  }
}
