/**
 * Everything the dashboard reads and does, over one metadata store. The
 * screens depend on this interface only.
 */
import type pg from "pg";

import type { DagRun } from "../store/records.ts";
import { retryTask, togglePause, triggerDag } from "./dashboard-actions.ts";
import type { Overview, RunGrid, TaskDetail } from "./dashboard-records.ts";
import { readOverview } from "./overview-query.ts";
import { readRunGrid } from "./run-grid-query.ts";
import { readTaskDetail, type TaskDetailOptions } from "./task-detail-query.ts";

export interface DashboardSource {
  overview(): Promise<Overview>;
  /** The newest `limit` runs of a DAG. */
  runGrid(dagId: string, limit: number): Promise<RunGrid>;
  taskDetail(runId: number, taskId: string): Promise<TaskDetail>;
  trigger(dagId: string): Promise<DagRun>;
  /** Pauses a running DAG or unpauses a paused one; the new flag. */
  togglePause(dagId: string): Promise<boolean>;
  retry(runId: number, taskId: string): Promise<DagRun>;
}

export interface StoreSourceOptions extends TaskDetailOptions {
  /** Show only the DAGs compiled from this folder (an absolute path). */
  readonly pipelinesDir?: string;
}

export function storeSource(
  pool: pg.Pool,
  options: StoreSourceOptions = {},
): DashboardSource {
  const filter = options.pipelinesDir
    ? { pipelinesDir: options.pipelinesDir }
    : {};
  return {
    overview: () => readOverview(pool, filter),
    runGrid: (dagId, limit) => readRunGrid(pool, dagId, limit),
    taskDetail: (runId, taskId) => readTaskDetail(pool, runId, taskId, options),
    trigger: (dagId) => triggerDag(pool, dagId),
    togglePause: (dagId) => togglePause(pool, dagId),
    retry: (runId, taskId) => retryTask(pool, runId, taskId),
  };
}
