/**
 * Whether a sync task reads its rows with COPY and the fast path of its
 * kind (see `core/source/copy-stream.ts`, `core/mapping/event-encoder.ts`)
 * or with the cursor and row objects.
 *
 * BACKFLOW_SOURCE_READ=cursor turns the fast path off (a warehouse that
 * speaks PostgreSQL's protocol but has no `COPY … TO STDOUT`); anything
 * else, or unset, leaves it on where the mapping allows it.
 */
import type { EventsTask } from "../builder/dag-definition.ts";

export function copyReadsAllowed(env: NodeJS.ProcessEnv = process.env) {
  return env.BACKFLOW_SOURCE_READ?.trim().toLowerCase() !== "cursor";
}

/** The fast path writes events from columns only: no function mappings. */
export function mapsWithoutFunctions(task: EventsTask): boolean {
  const m = task.mapping;
  if (typeof m.event === "function") return false;
  return Object.values(m.properties ?? {}).every((v) => typeof v === "string");
}
