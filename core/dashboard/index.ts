/**
 * The dashboard's view of the metadata store: snapshots for each screen
 * and the actions its keys take.
 */
export type * from "./dashboard-records.ts";
export {
  ActionRefusedError,
  retryTask,
  togglePause,
  triggerDag,
} from "./dashboard-actions.ts";
export {
  storeSource,
  type DashboardSource,
  type StoreSourceOptions,
} from "./dashboard-source.ts";
export { nextRunOf, type NextRun } from "./next-run.ts";
export { readClock, readOverview, type DagFilter } from "./overview-query.ts";
export { readRunGrid } from "./run-grid-query.ts";
export {
  EXPECTED_ROWS_EVENT,
  readTaskDetail,
  type TaskDetailOptions,
} from "./task-detail-query.ts";
export {
  taskProgress,
  type ProgressInput,
  type TaskProgress,
} from "./task-progress.ts";
