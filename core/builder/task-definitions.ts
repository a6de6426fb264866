/**
 * Turns what a task factory received into a frozen task definition,
 * checking everything that can be checked before a row is read.
 */
import type { AnyRow, TaskMapping } from "../mapping/mapping-spec.ts";
import { mappingProblem } from "../mapping/validate-mapping.ts";
import { deferredNames, type SqlQuery } from "../source/sql.ts";
import {
  DEFAULT_REJECT_THRESHOLD,
  type CodeTask,
  type IncrementalOptions,
  type MirrorOptions,
  type RejectThreshold,
  type SqlTask,
  type SyncTask,
  type SyncTaskKind,
  type TaskContext,
} from "./dag-definition.ts";
import { DagDefinitionError } from "./dag-errors.ts";
import { isMixpanelConnection } from "./mixpanel-connection.ts";
import {
  isPostgresConnection,
  type SourceQuery,
} from "./postgres-connection.ts";
import type { SqlSpec, SyncSpec } from "./task-specs.ts";

/** A definition before its dependencies are known. */
export type DraftTask =
  | Omit<SyncTask, "dependsOn">
  | Omit<SqlTask, "dependsOn">
  | Omit<CodeTask, "dependsOn">;

type Fail = (problem: string) => never;

function failer(dagId: string, taskId: string): Fail {
  return (problem) => {
    throw new DagDefinitionError(dagId, taskId, problem);
  };
}

function isQuery(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { text?: unknown }).text === "string" &&
    Array.isArray((value as { values?: unknown }).values)
  );
}

function checkSource(from: unknown, fail: Fail): SourceQuery<AnyRow> {
  const source = from as Partial<SourceQuery<AnyRow>> | undefined;
  if (!isPostgresConnection(source?.connection) || !isQuery(source.query)) {
    fail(
      "from must be a query of a postgres connection, e.g. " +
        "warehouse.query`select * from orders`",
    );
  }
  return source as SourceQuery<AnyRow>;
}

function checkThreshold(value: unknown, fail: Fail): RejectThreshold {
  if (value === undefined) return DEFAULT_REJECT_THRESHOLD;
  const t = (value ?? {}) as RejectThreshold;
  const rows = t.maxRows;
  const share = t.maxShare;
  if (rows !== undefined && !(Number.isInteger(rows) && rows >= 0)) {
    fail("rejectThreshold.maxRows must be a whole number of 0 or more");
  }
  if (share !== undefined && !(share >= 0 && share <= 1)) {
    fail("rejectThreshold.maxShare must be a share between 0 and 1");
  }
  return Object.freeze({ ...t });
}

function checkIncremental(
  value: unknown,
  fail: Fail,
): IncrementalOptions<AnyRow> | undefined {
  if (value === undefined) return undefined;
  const inc = (value ?? {}) as IncrementalOptions<AnyRow>;
  if (typeof inc.cursor !== "string" || inc.cursor === "") {
    fail("incremental.cursor must be the name of a column");
  }
  const lookback = inc.lookbackMs;
  if (
    lookback !== undefined &&
    !(Number.isInteger(lookback) && lookback >= 0)
  ) {
    fail("incremental.lookbackMs must be a whole number of 0 or more");
  }
  return Object.freeze({ ...inc });
}

function checkMirror(
  value: unknown,
  kind: SyncTaskKind,
  partial: boolean,
  fail: Fail,
): MirrorOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (kind === "events") {
    fail("mirror is for profile tasks; events are never deleted");
  }
  if (partial) {
    fail(
      "mirror needs a full read to see which rows are gone; remove " +
        "incremental (or d.interval from the query) or mirror",
    );
  }
  if (value === true) return Object.freeze({});
  const share = (value as MirrorOptions | null)?.maxDeleteShare;
  if (
    typeof value !== "object" ||
    value === null ||
    (share !== undefined && !(share > 0 && share <= 1))
  ) {
    fail(
      "mirror must be true or { maxDeleteShare } with a share above 0 " +
        "and at most 1",
    );
  }
  return Object.freeze({ ...(value as MirrorOptions) });
}

/** Copies and freezes a mapping, its property maps included. */
function freezeMapping(mapping: Record<string, unknown>) {
  const copy: Record<string, unknown> = { ...mapping };
  for (const key of ["properties", "setOnce", "event"]) {
    const value = copy[key];
    if (typeof value === "object" && value !== null) {
      copy[key] = Object.freeze({ ...value });
    }
  }
  return Object.freeze(copy);
}

export function syncTask(
  dagId: string,
  id: string,
  kind: SyncTaskKind,
  spec: SyncSpec<AnyRow> & Record<string, unknown>,
): DraftTask {
  const fail = failer(dagId, id);
  if (typeof spec !== "object" || spec === null) fail("the task needs a spec");
  const { from, to, rejectThreshold, incremental, mirror, ...mapping } =
    spec as typeof spec & { mirror?: unknown };

  const source = checkSource(from, fail);
  if (!isMixpanelConnection(to)) {
    fail('to must be a Mixpanel connection made with mixpanel("name", …)');
  }
  const problem = mappingProblem({ kind, mapping } as unknown as TaskMapping);
  if (problem) fail(problem);
  const partial =
    incremental !== undefined ||
    deferredNames(source.query).some((n) => n.startsWith("interval."));
  const mirrored = checkMirror(mirror, kind, partial, fail);

  return Object.freeze({
    dagId,
    id,
    kind,
    from: source,
    to,
    rejectThreshold: checkThreshold(rejectThreshold, fail),
    incremental: checkIncremental(incremental, fail),
    ...(mirrored ? { mirror: mirrored } : {}),
    mapping: freezeMapping(mapping),
  }) as DraftTask;
}

export function sqlTask(dagId: string, id: string, spec: SqlSpec): DraftTask {
  const fail = failer(dagId, id);
  if (!isPostgresConnection(spec?.on)) {
    fail('on must be a postgres connection made with postgres("name", …)');
  }
  if (!isQuery(spec.statement)) {
    fail("statement must be built with the sql tag: sql`update …`");
  }
  const timeoutMs = spec.timeoutMs;
  if (
    timeoutMs !== undefined &&
    !(Number.isInteger(timeoutMs) && timeoutMs > 0)
  ) {
    fail("timeoutMs must be a positive whole number of milliseconds");
  }
  return Object.freeze({
    dagId,
    id,
    kind: "sql" as const,
    on: spec.on,
    // The row type of a write is irrelevant; the runner binds any query.
    statement: spec.statement as SqlQuery,
    timeoutMs,
  });
}

export function codeTask(
  dagId: string,
  id: string,
  run: (ctx: TaskContext) => Promise<void> | void,
): DraftTask {
  if (typeof run !== "function") {
    failer(dagId, id)("d.task needs a function: d.task(id, async (ctx) => …)");
  }
  return Object.freeze({ dagId, id, kind: "task" as const, run });
}
