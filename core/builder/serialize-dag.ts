/**
 * A JSON-safe description of a DAG for the metadata store, the dashboard
 * and `backflow list --json`: what other processes need without loading
 * user code. Functions are described, never serialised; no secret is ever
 * part of a definition, so none can appear here.
 */
import { deferredNames } from "../source/sql.ts";
import type { DagDefinition, TaskDefinition } from "./dag-definition.ts";

export interface SerializedTask {
  id: string;
  kind: TaskDefinition["kind"];
  dependsOn: string[];
  /** Postgres connection read (sync tasks) or written (sql tasks). */
  warehouse?: string;
  /** Mixpanel connection written (sync tasks). */
  mixpanel?: string;
  /** The query or statement text, with `$n` placeholders. */
  sql?: string;
  /** Run-time parameters the query needs, e.g. `interval.start`. */
  deferred?: string[];
  /** Sync tasks: option → column, `(function)` or constant. */
  mapping?: Record<string, unknown>;
}

export interface SerializedDag {
  id: string;
  schedule: string | null;
  timezone: string;
  catchup: boolean;
  maxActiveRuns: number;
  startDate: string | null;
  description: string | null;
  tags: string[];
  tasks: SerializedTask[];
  levels: string[][];
}

function describeValue(value: unknown): unknown {
  if (typeof value === "function") return "(function)";
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, describeValue(v)]),
  );
}

function serializeTask(task: TaskDefinition): SerializedTask {
  const base = { id: task.id, kind: task.kind, dependsOn: [...task.dependsOn] };
  switch (task.kind) {
    case "task":
      return base;
    case "sql":
      return {
        ...base,
        warehouse: task.on.name,
        sql: task.statement.text,
        deferred: deferredNames(task.statement),
      };
    default:
      return {
        ...base,
        warehouse: task.from.connection.name,
        mixpanel: task.to.name,
        sql: task.from.query.text,
        deferred: deferredNames(task.from.query),
        mapping: describeValue(task.mapping) as Record<string, unknown>,
      };
  }
}

export function serializeDag(dag: DagDefinition): SerializedDag {
  return {
    id: dag.id,
    schedule: dag.schedule ?? null,
    timezone: dag.timezone,
    catchup: dag.catchup,
    maxActiveRuns: dag.maxActiveRuns,
    startDate: dag.startDate?.toISOString() ?? null,
    description: dag.description ?? null,
    tags: [...dag.tags],
    tasks: dag.tasks.map(serializeTask),
    levels: dag.levels.map((level) => [...level]),
  };
}
