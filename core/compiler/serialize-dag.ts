/**
 * A DAG as plain JSON, for the metadata store: what the dashboard, the
 * scheduler of another process or `backflow graph` need to know about it,
 * without the functions of its mappings or any secret. Query parameters are
 * listed by kind only; their values may be private.
 */
import {
  isSyncTask,
  type DagDefinition,
  type TaskDefinition,
  type TaskKind,
} from "../builder/dag-definition.ts";
import { DeferredParam, type SqlQuery } from "../source/sql.ts";

/** Bumped when the shape below changes incompatibly. */
export const SERIALIZED_DAG_VERSION = 1;

/** Where a mapped value comes from. */
export type ValueSource =
  | { readonly column: string }
  | { readonly constant: string | number | boolean }
  | { readonly function: true };

export interface SerializedQuery {
  readonly text: string;
  /** Per `$n`: a run's deferred value by name, or a bound constant. */
  readonly parameters: readonly (
    { readonly deferred: string } | { readonly bound: string }
  )[];
}

export interface SerializedTask {
  readonly id: string;
  readonly kind: TaskKind;
  readonly dependsOn: readonly string[];
  /** Whether the task changes the warehouse (`d.sql`). */
  readonly writes: boolean;
  /** The Postgres connection read (sync tasks) or written (`d.sql`). */
  readonly source?: string;
  /** The Mixpanel connection sent to. */
  readonly destination?: string;
  readonly query?: SerializedQuery;
  readonly mapping?: Readonly<Record<string, unknown>>;
  readonly incremental?: {
    readonly cursor: string;
    readonly lookbackMs: number;
  };
  readonly rejectThreshold?: {
    readonly maxRows?: number;
    readonly maxShare?: number;
  };
  readonly timeoutMs?: number;
}

export interface SerializedDag {
  readonly version: number;
  readonly id: string;
  /** The module, relative to the pipelines folder. */
  readonly file: string;
  /** Hash of the module's text and the project files it imports. */
  readonly sourceHash: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly catchup: boolean;
  readonly maxActiveRuns: number;
  readonly startDate: string | null;
  readonly description: string | null;
  readonly tags: readonly string[];
  readonly tasks: readonly SerializedTask[];
  /** Dependency → dependent. */
  readonly edges: readonly { readonly from: string; readonly to: string }[];
  readonly levels: readonly (readonly string[])[];
  readonly connections: readonly {
    readonly kind: "postgres" | "mixpanel";
    readonly name: string;
  }[];
}

function valueSource(value: unknown): ValueSource | undefined {
  if (typeof value === "function") return { function: true };
  if (typeof value === "string") return { column: value };
  return undefined;
}

function propertyMap(map: unknown) {
  if (typeof map !== "object" || map === null) return undefined;
  return Object.fromEntries(
    Object.entries(map).map(([name, source]) => [name, valueSource(source)]),
  );
}

/** The mapping with every function replaced by a marker. */
function mappingSummary(mapping: Readonly<Record<string, unknown>>) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mapping)) {
    if (value === undefined) continue;
    if (key === "properties" || key === "setOnce") {
      out[key] = propertyMap(value);
    } else if (key === "event") {
      out.event =
        typeof value === "string"
          ? { constant: value }
          : typeof value === "function"
            ? { function: true }
            : { column: (value as { column: string }).column };
    } else if (key === "groupKey" || typeof value === "boolean") {
      out[key] = { constant: value as string | boolean };
    } else {
      out[key] = valueSource(value);
    }
  }
  return out;
}

export function serializeQuery(query: SqlQuery): SerializedQuery {
  return {
    text: query.text,
    parameters: query.values.map((v) =>
      v instanceof DeferredParam
        ? { deferred: v.name }
        : { bound: v === null ? "null" : typeof v },
    ),
  };
}

function serializeTask(task: TaskDefinition): SerializedTask {
  const base = {
    id: task.id,
    kind: task.kind,
    dependsOn: [...task.dependsOn],
    writes: task.kind === "sql",
  };
  if (isSyncTask(task)) {
    const incremental = task.incremental
      ? {
          cursor: task.incremental.cursor,
          lookbackMs: task.incremental.lookbackMs ?? 0,
        }
      : undefined;
    return {
      ...base,
      source: task.from.connection.name,
      destination: task.to.name,
      query: serializeQuery(task.from.query),
      mapping: mappingSummary(task.mapping as Record<string, unknown>),
      rejectThreshold: { ...task.rejectThreshold },
      ...(incremental ? { incremental } : {}),
    };
  }
  if (task.kind === "sql") {
    return {
      ...base,
      source: task.on.name,
      query: serializeQuery(task.statement),
      ...(task.timeoutMs === undefined ? {} : { timeoutMs: task.timeoutMs }),
    };
  }
  return base;
}

export function serializeDag(
  dag: DagDefinition,
  file: string,
  sourceHash: string,
): SerializedDag {
  return {
    version: SERIALIZED_DAG_VERSION,
    id: dag.id,
    file,
    sourceHash,
    schedule: dag.schedule ?? null,
    timezone: dag.timezone,
    catchup: dag.catchup,
    maxActiveRuns: dag.maxActiveRuns,
    startDate: dag.startDate ? dag.startDate.toISOString() : null,
    description: dag.description ?? null,
    tags: [...dag.tags],
    tasks: dag.tasks.map(serializeTask),
    edges: dag.tasks.flatMap((t) =>
      t.dependsOn.map((dep) => ({ from: dep, to: t.id })),
    ),
    levels: dag.levels.map((level) => [...level]),
    connections: dag.connections.map((c) => ({ kind: c.kind, name: c.name })),
  };
}
