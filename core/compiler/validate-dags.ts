/**
 * Step 3 of the compile: checks over the DAGs the modules built. The
 * builder already refuses what one DAG can get wrong on its own; this adds
 * what needs every module at once (DAG ids unique across files, one
 * definition per connection name) and re-checks what a plain JavaScript
 * module could slip past the types: schedule, zone and mappings, including
 * Mixpanel's rules for the constant values a mapping names.
 */
import type {
  Connection,
  DagDefinition,
  SyncTask,
} from "../builder/dag-definition.ts";
import { isSyncTask } from "../builder/dag-definition.ts";
import type { TaskMapping } from "../mapping/mapping-spec.ts";
import { mappingProblem } from "../mapping/validate-mapping.ts";
import {
  IDENTITY_EVENTS,
  isValidUtf8String,
  LIMITS,
} from "../mixpanel/rules.ts";
import { scheduleProblem, timezoneProblem } from "./schedule-rules.ts";

/** A problem of one DAG, before it is placed in its file. */
export interface DagProblem {
  readonly file: string;
  readonly code: string;
  readonly message: string;
  readonly dagId: string;
  readonly taskId?: string;
  /** The DAG option at fault, to point at it. */
  readonly option?: string;
}

export interface BuiltDag {
  readonly file: string;
  readonly dag: DagDefinition;
}

/** Mixpanel truncates longer group keys and names. */
const MAX_NAME = 255;

function constantProblems(task: SyncTask): string[] {
  const problems: string[] = [];
  const mapping = task.mapping as Record<string, unknown>;
  const event = mapping.event;
  if (task.kind === "events" && typeof event === "string") {
    if (!isValidUtf8String(event)) {
      problems.push(`event name is not valid UTF-8`);
    }
    if (IDENTITY_EVENTS.has(event)) {
      problems.push(
        `event "${event}" is an identity event, which /import refuses in ` +
          `strict mode on projects using Simplified ID Merge; send it from ` +
          `an SDK instead`,
      );
    }
  }
  const groupKey = mapping.groupKey;
  if (typeof groupKey === "string") {
    if (!isValidUtf8String(groupKey) || groupKey.length > MAX_NAME) {
      problems.push(
        `groupKey must be valid UTF-8 of at most ${MAX_NAME} characters`,
      );
    }
  }

  const names = new Set([
    ...Object.keys((mapping.properties as object | undefined) ?? {}),
    ...Object.keys((mapping.setOnce as object | undefined) ?? {}),
  ]);
  const max =
    task.kind === "events" ? LIMITS.maxProperties : LIMITS.maxProfileProperties;
  if (names.size > max) {
    problems.push(
      `the mapping names ${names.size} properties; Mixpanel accepts at ` +
        `most ${max} per ${task.kind === "events" ? "event" : "profile"}`,
    );
  }
  return problems;
}

function dagProblems({ file, dag }: BuiltDag): DagProblem[] {
  const problems: DagProblem[] = [];
  const add = (p: Omit<DagProblem, "file" | "dagId">) =>
    problems.push({ file, dagId: dag.id, ...p });

  if (dag.schedule !== undefined) {
    const message = scheduleProblem(dag.schedule);
    if (message) add({ code: "DAG_SCHEDULE", message, option: "schedule" });
  }
  const zone = timezoneProblem(dag.timezone);
  if (zone) add({ code: "DAG_TIMEZONE", message: zone, option: "timezone" });

  for (const task of dag.tasks) {
    if (!isSyncTask(task)) continue;
    const mapping = { kind: task.kind, mapping: task.mapping } as TaskMapping;
    const problem = mappingProblem(mapping);
    if (problem)
      add({ code: "DAG_MAPPING", message: problem, taskId: task.id });
    for (const message of constantProblems(task)) {
      add({ code: "DAG_MAPPING", message, taskId: task.id });
    }
  }
  return problems;
}

function describe(connection: Connection): string {
  if (connection.kind === "mixpanel") return "mixpanel";
  return `postgres timezone=${connection.timezone} timeout=${connection.statementTimeoutMs ?? "default"}`;
}

/**
 * Connection names key concurrency caps, checkpoints and logs across DAGs,
 * so one name must mean one configuration everywhere.
 */
function connectionProblems(built: readonly BuiltDag[]): DagProblem[] {
  const first = new Map<string, { config: string; dag: string }>();
  const problems: DagProblem[] = [];
  for (const { file, dag } of built) {
    for (const connection of dag.connections) {
      const key = `${connection.kind}:${connection.name}`;
      const config = describe(connection);
      const seen = first.get(key);
      if (!seen) {
        first.set(key, { config, dag: dag.id });
      } else if (seen.config !== config) {
        problems.push({
          file,
          dagId: dag.id,
          code: "DAG_CONNECTION_CONFLICT",
          message:
            `${connection.kind} connection "${connection.name}" is declared ` +
            `with other settings than in DAG "${seen.dag}" (${config} vs ` +
            `${seen.config}); give each configuration its own name`,
        });
      }
    }
  }
  return problems;
}

/** Every problem of the DAGs; `built` is in file order. */
export function validateDags(built: readonly BuiltDag[]): DagProblem[] {
  const problems: DagProblem[] = [];
  const owner = new Map<string, string>();
  for (const entry of built) {
    const other = owner.get(entry.dag.id);
    if (other !== undefined) {
      problems.push({
        file: entry.file,
        dagId: entry.dag.id,
        code: "DAG_DUPLICATE_ID",
        message:
          `DAG id "${entry.dag.id}" is already defined in ${other}; ` +
          `DAG ids must be unique across the pipelines folder`,
      });
      continue;
    }
    owner.set(entry.dag.id, entry.file);
    problems.push(...dagProblems(entry));
  }
  return [...problems, ...connectionProblems(built)];
}
