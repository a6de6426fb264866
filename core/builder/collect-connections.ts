/**
 * The connections a DAG's tasks use. Two different connection objects with
 * the same name and kind would make logs, concurrency caps and checkpoints
 * ambiguous, so that is an error.
 */
import type { Connection, TaskDefinition } from "./dag-definition.ts";
import { DagDefinitionError } from "./dag-errors.ts";

function connectionsOf(task: TaskDefinition): Connection[] {
  switch (task.kind) {
    case "sql":
      return [task.on];
    case "task":
      return [];
    default:
      return [task.from.connection, task.to];
  }
}

/** @throws DagDefinitionError naming the conflicting name and tasks */
export function collectConnections(
  dagId: string,
  tasks: readonly TaskDefinition[],
): readonly Connection[] {
  const byName = new Map<string, { connection: Connection; task: string }>();
  for (const task of tasks) {
    for (const connection of connectionsOf(task)) {
      const key = `${connection.kind}:${connection.name}`;
      const seen = byName.get(key);
      if (!seen) {
        byName.set(key, { connection, task: task.id });
        continue;
      }
      if (seen.connection === connection) continue;
      throw new DagDefinitionError(
        dagId,
        task.id,
        `two different ${connection.kind} connections are named ` +
          `"${connection.name}" (the other is used by task "${seen.task}"). ` +
          `Declare each connection once and share it, or rename one`,
      );
    }
  }
  return Object.freeze([...byName.values()].map((v) => v.connection));
}
