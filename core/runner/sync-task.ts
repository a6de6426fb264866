/**
 * Runs one sync task with the engine of its kind: events (insert, by
 * cursor, interval or full read) or profiles (upsert by difference, with
 * optional mirror deletes). See `core/sync/` for the guarantees.
 */
import type { SyncTask } from "../builder/dag-definition.ts";
import { EventsRun } from "../sync/events-sync.ts";
import { ProfilesRun } from "../sync/profiles-sync.ts";
import type { SyncTaskIo } from "../sync/sync-io.ts";
import type { TaskCounters } from "./run-events.ts";

export type { RejectedRow, SyncTaskIo } from "../sync/sync-io.ts";

/**
 * @throws the task's failure, with the counters reached so far attached
 *   as `counters`
 */
export function runSyncTask(
  task: SyncTask,
  io: SyncTaskIo,
): Promise<TaskCounters> {
  const run =
    task.kind === "events"
      ? new EventsRun(task, io)
      : new ProfilesRun(task, io);
  return run.run();
}
