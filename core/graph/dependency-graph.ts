/**
 * Ordering of tasks by their dependencies. A graph maps each task id to the
 * ids it runs after; insertion order is the declaration order, and every
 * function here keeps it among tasks that are otherwise free to go first, so
 * output is deterministic.
 */
import { CycleError, UnknownTaskError } from "./graph-errors.ts";

/** Task id → ids of the tasks it runs after. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/** Throws `UnknownTaskError` for the first dependency the graph lacks. */
export function assertKnownDependencies(
  graph: DependencyGraph,
  dagId?: string,
): void {
  for (const [task, deps] of graph) {
    for (const dep of deps) {
      if (!graph.has(dep)) throw new UnknownTaskError(task, dep, dagId);
    }
  }
}

/**
 * Finds one dependency cycle, or null when there is none. The cycle reads in
 * running order (each task would have to run before the next) and repeats
 * its first task at the end: `["a", "b", "a"]`. Unknown dependencies are
 * ignored here.
 */
export function findCycle(graph: DependencyGraph): string[] | null {
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];

  // Depth-first search; a dependency already on the current path closes a
  // loop, and the path from its position onwards is that loop.
  const visit = (task: string): string[] | null => {
    onPath.set(task, path.length);
    path.push(task);
    for (const dep of graph.get(task) ?? []) {
      const at = onPath.get(dep);
      if (at !== undefined) return [...path.slice(at), dep];
      if (done.has(dep) || !graph.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    onPath.delete(task);
    done.add(task);
    return null;
  };

  for (const task of graph.keys()) {
    if (done.has(task)) continue;
    const found = visit(task);
    if (found) return found.reverse();
  }
  return null;
}

/**
 * Groups tasks into levels: level 0 has no dependencies, and every task sits
 * one level after its latest dependency. Tasks of one level may run at the
 * same time.
 * @throws CycleError naming the cycle; UnknownTaskError for a missing task
 */
export function dependencyLevels(
  graph: DependencyGraph,
  dagId?: string,
): string[][] {
  assertKnownDependencies(graph, dagId);
  const cycle = findCycle(graph);
  if (cycle) throw new CycleError(cycle, dagId);

  const level = new Map<string, number>();
  const levelOf = (task: string): number => {
    const known = level.get(task);
    if (known !== undefined) return known;
    let value = 0;
    for (const dep of graph.get(task) ?? []) {
      value = Math.max(value, levelOf(dep) + 1);
    }
    level.set(task, value);
    return value;
  };

  const levels: string[][] = [];
  for (const task of graph.keys()) {
    const at = levelOf(task);
    while (levels.length <= at) levels.push([]);
    levels[at]!.push(task);
  }
  return levels;
}

/**
 * Lists every task after all of its dependencies: level by level, and in
 * declaration order within a level.
 * @throws CycleError naming the cycle; UnknownTaskError for a missing task
 */
export function topologicalOrder(
  graph: DependencyGraph,
  dagId?: string,
): string[] {
  return dependencyLevels(graph, dagId).flat();
}
