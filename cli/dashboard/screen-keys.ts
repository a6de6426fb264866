/**
 * The dashboard's screens and what each key does on them, as pure
 * functions of the screen stack and the latest snapshot: the app applies
 * the outcome.
 *
 * Cursors hold ids, not positions, so a refresh that brings new runs
 * keeps the cursor on the same cell; a grid cursor on the newest run
 * (`runId: null`) follows new runs as they come.
 */
import type { Key } from "ink";

import type {
  Overview,
  RunGrid,
  TaskDetail,
} from "../../core/dashboard/index.ts";

export type Screen =
  | { kind: "dags"; dagId: string | null }
  | {
      kind: "grid";
      dagId: string;
      taskId: string | null;
      /** Null: the newest run, whichever it is. */
      runId: number | null;
    }
  | { kind: "task"; dagId: string; runId: number; taskId: string };

export type Snapshot =
  | { kind: "dags"; overview: Overview }
  | { kind: "grid"; grid: RunGrid }
  | { kind: "task"; detail: TaskDetail };

export type Action =
  | { kind: "trigger"; dagId: string }
  | { kind: "pause"; dagId: string }
  | { kind: "retry"; runId: number; taskId: string };

export interface KeyOutcome {
  readonly stack?: Screen[];
  readonly action?: Action;
  readonly exit?: true;
}

/** Screens that read the same snapshot share a key. */
export function snapshotKey(screen: Screen): string {
  if (screen.kind === "dags") return "dags";
  if (screen.kind === "grid") return `grid:${screen.dagId}`;
  return `task:${screen.runId}:${screen.taskId}`;
}

export function gridCursor(
  screen: Screen & { kind: "grid" },
  grid: RunGrid,
): { task: number; run: number } {
  const task = Math.max(0, grid.taskIds.indexOf(screen.taskId ?? ""));
  const found = grid.runs.findIndex((c) => c.run.id === screen.runId);
  const run = screen.runId === null || found < 0 ? grid.runs.length - 1 : found;
  return { task, run };
}

function moveInGrid(
  screen: Screen & { kind: "grid" },
  grid: RunGrid,
  key: Key,
): Screen {
  const { task, run } = gridCursor(screen, grid);
  const last = grid.runs.length - 1;
  const taskAt = (i: number) =>
    grid.taskIds[Math.min(Math.max(0, i), grid.taskIds.length - 1)] ?? null;
  if (key.upArrow) return { ...screen, taskId: taskAt(task - 1) };
  if (key.downArrow) return { ...screen, taskId: taskAt(task + 1) };
  if (key.leftArrow && run > 0) {
    return { ...screen, runId: grid.runs[run - 1]!.run.id };
  }
  if (key.rightArrow && run < last) {
    const next = grid.runs[run + 1]!.run.id;
    return { ...screen, runId: run + 1 === last ? null : next };
  }
  return screen;
}

/** The DAG the keys act on, and the task instance under the cursor. */
export function targetOf(
  screen: Screen,
  snapshot: Snapshot | undefined,
): { dagId?: string; task?: { runId: number; taskId: string } } {
  if (screen.kind === "task") {
    return {
      dagId: screen.dagId,
      task: { runId: screen.runId, taskId: screen.taskId },
    };
  }
  if (screen.kind === "grid") {
    const grid = snapshot?.kind === "grid" ? snapshot.grid : undefined;
    if (!grid || grid.runs.length === 0) return { dagId: screen.dagId };
    const { task, run } = gridCursor(screen, grid);
    const taskId = grid.taskIds[task];
    const runId = grid.runs[run]!.run.id;
    return {
      dagId: screen.dagId,
      ...(taskId ? { task: { runId, taskId } } : {}),
    };
  }
  const dags = snapshot?.kind === "dags" ? snapshot.overview.dags : [];
  const chosen = dags.find((d) => d.dagId === screen.dagId) ?? dags[0];
  return chosen ? { dagId: chosen.dagId } : {};
}

/** What a key does on the screen on top of `stack`. */
export function onKey(
  stack: readonly Screen[],
  snapshot: Snapshot | undefined,
  input: string,
  key: Key,
): KeyOutcome {
  const screen = stack[stack.length - 1]!;
  const below = stack.slice(0, -1);
  if (input === "q") return { exit: true };
  if (key.escape) return stack.length > 1 ? { stack: below } : {};

  const { dagId, task } = targetOf(screen, snapshot);
  if (input === "t" && dagId) return { action: { kind: "trigger", dagId } };
  if (input === "p" && dagId) return { action: { kind: "pause", dagId } };
  if (input === "r" && task) return { action: { kind: "retry", ...task } };

  if (screen.kind === "dags" && snapshot?.kind === "dags") {
    const dags = snapshot.overview.dags;
    const index = Math.max(
      0,
      dags.findIndex((d) => d.dagId === screen.dagId),
    );
    const step = key.upArrow ? -1 : key.downArrow ? 1 : 0;
    if (step && dags.length) {
      const next = Math.min(dags.length - 1, Math.max(0, index + step));
      return { stack: [...below, { kind: "dags", dagId: dags[next]!.dagId }] };
    }
    if (key.return && dags[index]) {
      const id = dags[index].dagId;
      return {
        stack: [
          ...below,
          { kind: "dags", dagId: id },
          { kind: "grid", dagId: id, taskId: null, runId: null },
        ],
      };
    }
  }
  if (screen.kind === "grid" && snapshot?.kind === "grid") {
    if (key.return && task) {
      return {
        stack: [...stack, { kind: "task", dagId: screen.dagId, ...task }],
      };
    }
    if (snapshot.grid.runs.length) {
      const moved = moveInGrid(screen, snapshot.grid, key);
      if (moved !== screen) return { stack: [...below, moved] };
    }
  }
  return {};
}
