/**
 * Counts a run's rejected rows by task, field and reason while passing
 * every call on to the real recorder, so the demo can say what was
 * rejected and why without reading the store back.
 */
import type { DagDefinition, TaskKind } from "../builder/dag-definition.ts";
import type {
  RunSummary,
  TaskCounters,
  TaskSummary,
} from "../runner/run-events.ts";
import type { RunRecorder, RunStart } from "../runner/run-recorder.ts";
import type { RejectedRow } from "../runner/sync-task.ts";

/** Rows rejected for one reason. */
export interface RejectionGroup {
  readonly taskId: string;
  readonly field: string;
  readonly reason: string;
  readonly count: number;
  /** The key of the first such row, when it had one. */
  readonly exampleKey: string | null;
}

export class RejectionTally implements RunRecorder {
  readonly #inner: RunRecorder;
  readonly #groups = new Map<string, RejectionGroup>();

  constructor(inner: RunRecorder) {
    this.#inner = inner;
  }

  /** The groups, largest first. */
  groups(): RejectionGroup[] {
    return [...this.#groups.values()].sort(
      (a, b) => b.count - a.count || a.taskId.localeCompare(b.taskId),
    );
  }

  async rejected(
    runId: string,
    taskId: string,
    rows: RejectedRow[],
  ): Promise<void> {
    for (const row of rows) {
      const id = JSON.stringify([taskId, row.field, row.reason]);
      const known = this.#groups.get(id);
      this.#groups.set(id, {
        taskId,
        field: row.field,
        reason: row.reason,
        count: (known?.count ?? 0) + 1,
        exampleKey: known ? known.exampleKey : row.rowKey,
      });
    }
    await this.#inner.rejected(runId, taskId, rows);
  }

  startRun(dag: DagDefinition, start: RunStart): Promise<string> {
    return this.#inner.startRun(dag, start);
  }

  async startTask(runId: string, taskId: string, kind: TaskKind) {
    await this.#inner.startTask(runId, taskId, kind);
  }

  progress(runId: string, taskId: string, counters: TaskCounters): void {
    this.#inner.progress(runId, taskId, counters);
  }

  async finishTask(runId: string, summary: TaskSummary): Promise<void> {
    await this.#inner.finishTask(runId, summary);
  }

  async finishRun(runId: string, summary: RunSummary): Promise<void> {
    await this.#inner.finishRun(runId, summary);
  }
}
