/**
 * Where a run writes its records: the metadata store in production, nothing
 * in a bare library call. The runner depends on this interface only.
 */
import type { DagDefinition, TaskKind } from "../builder/dag-definition.ts";
import type { RunSummary, TaskCounters, TaskSummary } from "./run-events.ts";
import type { RejectedRow } from "./sync-task.ts";

export interface RunStart {
  interval: { start: Date; end: Date };
  dryRun: boolean;
}

export interface RunRecorder {
  /** Records a new run and returns its id. */
  startRun(dag: DagDefinition, start: RunStart): Promise<string>;
  startTask(runId: string, taskId: string, kind: TaskKind): Promise<void>;
  /** Called often; an implementation may write only now and then. */
  progress(runId: string, taskId: string, counters: TaskCounters): void;
  rejected(runId: string, taskId: string, rows: RejectedRow[]): Promise<void>;
  finishTask(runId: string, summary: TaskSummary): Promise<void>;
  finishRun(runId: string, summary: RunSummary): Promise<void>;
}
