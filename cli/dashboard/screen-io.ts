/**
 * The dashboard's traffic with the store: the snapshot each screen shows,
 * and the actions its keys take, with the message that reports each.
 */
import type { DashboardSource } from "../../core/dashboard/index.ts";
import type { Action, Screen, Snapshot } from "./screen-keys.ts";

/** Reads the snapshot a screen shows. */
export function loadSnapshot(
  source: DashboardSource,
  screen: Screen,
  runs: number,
) {
  return async (): Promise<Snapshot> => {
    if (screen.kind === "dags") {
      return { kind: "dags", overview: await source.overview() };
    }
    if (screen.kind === "grid") {
      return { kind: "grid", grid: await source.runGrid(screen.dagId, runs) };
    }
    const detail = await source.taskDetail(screen.runId, screen.taskId);
    return { kind: "task", detail };
  };
}

/** Does what a key asked; the message to show. */
export async function perform(source: DashboardSource, action: Action) {
  if (action.kind === "trigger") {
    const run = await source.trigger(action.dagId);
    return `queued manual run #${run.id} of ${action.dagId}; a scheduler starts it`;
  }
  if (action.kind === "pause") {
    return (await source.togglePause(action.dagId))
      ? `paused ${action.dagId}: no new scheduled runs`
      : `unpaused ${action.dagId}`;
  }
  await source.retry(action.runId, action.taskId);
  return `retrying ${action.taskId} of run #${action.runId}; a scheduler runs it`;
}
