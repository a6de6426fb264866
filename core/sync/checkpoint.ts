/**
 * The checkpoint a keyed task keeps in the metadata store.
 *
 * Checkpoint rule: the checkpoint names the last row of the contiguous
 * prefix of rows whose fate is durable (acknowledged by Mixpanel, rejection
 * stored, or nothing to send). It never passes a row still in flight, so a
 * crash at any instant loses nothing; what lies after it is read again and
 * de-duplicated (`$insert_id` for events, hashes for profiles).
 *
 * The cursor is kept as PostgreSQL prints it (text, microseconds and zone
 * included) and compared in SQL after a cast to the column's type, so no
 * precision is lost to JavaScript's milliseconds. The key breaks ties, so
 * rows sharing the checkpoint's cursor value are neither skipped nor read
 * again forever.
 */
import { ConfigError } from "../errors.ts";
import type { ReadFrom } from "./keyset-sql.ts";
import type { ReadPlan } from "./read-plan.ts";

/** Where a cursor task stands. */
export interface CursorCheckpoint {
  readonly version: 1;
  readonly mode: "cursor";
  readonly cursorColumn: string;
  readonly keyColumn: string;
  readonly cursorType: string;
  /** The cursor value as PostgreSQL prints it. */
  readonly cursor: string;
  /** The same in microseconds since the epoch (look-back tasks only). */
  readonly cursorUs?: number;
  readonly key: string;
}

/** How far an interval task got through one data interval. */
export interface IntervalCheckpoint {
  readonly version: 1;
  readonly mode: "interval";
  readonly keyColumn: string;
  readonly start: string;
  readonly end: string;
  /** The last finished key; absent before the first. */
  readonly key?: string;
  /** Whether the interval was read to its end. */
  readonly done: boolean;
}

export type Checkpoint = CursorCheckpoint | IntervalCheckpoint;

/** A row's place in the read order. */
export interface Position {
  readonly key: string;
  readonly cursor?: string;
  readonly cursorUs?: number;
}

function mismatch(dagId: string, taskId: string, what: string): never {
  throw new ConfigError(
    `DAG "${dagId}" task "${taskId}": its checkpoint was made ${what}; ` +
      `start it over with \`backflow run ${dagId} --task ${taskId} ` +
      `--full-refresh\` (or \`backflow reset ${dagId} ${taskId}\`)`,
  );
}

/**
 * Reads a stored checkpoint for this run's plan.
 * @returns undefined when there is none, or it belongs to another mode
 *   that a cursor task can not resume from
 * @throws ConfigError when the cursor or key column changed since
 */
export function parseCheckpoint(
  value: unknown,
  plan: ReadPlan,
  ids: { dagId: string; taskId: string },
): Checkpoint | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const stored = value as Partial<Checkpoint>;
  if (stored.version !== 1) return undefined;
  if (plan.mode === "cursor" && stored.mode === "cursor") {
    const cp = stored as CursorCheckpoint;
    if (cp.cursorColumn !== plan.cursor!.column) {
      mismatch(ids.dagId, ids.taskId, `on cursor "${cp.cursorColumn}"`);
    }
    if (cp.keyColumn !== plan.key.column) {
      mismatch(ids.dagId, ids.taskId, `with key column "${cp.keyColumn}"`);
    }
    return cp;
  }
  if (plan.mode === "interval" && stored.mode === "interval") {
    return stored as IntervalCheckpoint;
  }
  if (plan.mode === "cursor" && stored.mode !== undefined) {
    mismatch(ids.dagId, ids.taskId, `in ${stored.mode} mode`);
  }
  return undefined;
}

/** The run's data interval as a checkpoint names it. */
export function intervalOf(params: Readonly<Record<string, unknown>>): {
  start: string;
  end: string;
} {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v));
  return {
    start: iso(params["interval.start"]),
    end: iso(params["interval.end"]),
  };
}

/** Where the finished prefix stood when the checkpoint was made. */
export function positionOf(cp: CursorCheckpoint): Position {
  return {
    key: cp.key,
    cursor: cp.cursor,
    ...(cp.cursorUs === undefined ? {} : { cursorUs: cp.cursorUs }),
  };
}

/**
 * Where this run's main read starts: after the checkpoint (cursor mode; a
 * look-back starts a window earlier), after the last finished key of an
 * unfinished run of the same interval, else at the beginning.
 */
export function resumeFrom(
  cp: Checkpoint | undefined,
  plan: ReadPlan,
  params: Readonly<Record<string, unknown>>,
): ReadFrom | undefined {
  if (cp?.mode === "cursor") {
    return plan.cursor!.lookbackMs > 0
      ? { kind: "window", cursor: cp.cursor }
      : { kind: "after", cursor: cp.cursor, key: cp.key };
  }
  if (cp?.mode !== "interval" || cp.done || cp.key === undefined) return;
  const now = intervalOf(params);
  if (cp.start !== now.start || cp.end !== now.end) return;
  return { kind: "key", key: cp.key };
}

/**
 * The checkpoint for a finished prefix ending at `position`.
 * @param done the interval was read to its end (interval mode)
 */
export function checkpointAt(
  plan: ReadPlan,
  position: Position | undefined,
  params: Readonly<Record<string, unknown>>,
  done = false,
): Checkpoint | undefined {
  if (plan.mode === "cursor") {
    if (!position) return undefined;
    const cursor = plan.cursor!;
    return {
      version: 1,
      mode: "cursor",
      cursorColumn: cursor.column,
      keyColumn: plan.key.column,
      cursorType: cursor.type,
      cursor: position.cursor!,
      ...(position.cursorUs === undefined
        ? {}
        : { cursorUs: position.cursorUs }),
      key: position.key,
    };
  }
  if (plan.mode !== "interval" || (!position && !done)) return undefined;
  return {
    version: 1,
    mode: "interval",
    keyColumn: plan.key.column,
    ...intervalOf(params),
    ...(position ? { key: position.key } : {}),
    done,
  };
}
