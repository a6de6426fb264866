/**
 * Rows → `/engage` and `/groups` updates. The mapped properties go to
 * `$set` (NULL ones are left out and listed, so the profile sync can unset
 * them), `setOnce` to `$set_once`. Updates also carry `$ip` (the user's IP
 * column, else "0" so the profile is not located at the sync host) and
 * `$ignore_time: true`, so a sync does not count as activity.
 */
import type {
  GroupProfilesTask,
  UserProfilesTask,
} from "../builder/dag-definition.ts";
import {
  isForbiddenId,
  LIMITS,
  validateProfileUpdate,
} from "../mixpanel/rules.ts";
import { ValueConverter } from "./convert-value.ts";
import { keyText } from "./insert-id.ts";
import type {
  GroupProfileUpdate,
  JsonObject,
  ProfileUpdate,
  RowMapper,
  UserProfileUpdate,
} from "./map-result.ts";
import type { AnyRow } from "./mapping-spec.ts";
import {
  applySteps,
  assertColumns,
  planProperties,
  RestColumns,
  type StepNotes,
} from "./property-plan.ts";
import { smallJsonBytes } from "./json-size.ts";
import { rejection, violationField, violationReason } from "./rejection.ts";

export interface ProfileMapperOptions {
  /** The project token put in `$token` (default: none; the client adds it). */
  token?: string;
  /**
   * Whether Mixpanel already acknowledged exactly this update (the sync
   * compares hashes). Such an update passed these checks when it was sent,
   * so it skips them: on a re-sync with few changes, checking is most of
   * the mapping's cost.
   */
  acknowledged?: (record: ProfileUpdate) => boolean;
}

/** Stands in for a token the client adds later, for validation only. */
const PLACEHOLDER_TOKEN = "token-added-by-client";

interface ProfileShape<U extends ProfileUpdate> {
  kind: "user" | "group";
  idColumn: string;
  /** The update's identity keys; `$set` and `$set_once` are added after. */
  identity(id: string, row: AnyRow): U;
  /** Why an id is refused, or null. */
  idProblem(id: string): string | null;
}

function compileProfileMapper<U extends ProfileUpdate>(
  task: UserProfilesTask | GroupProfilesTask,
  shape: ProfileShape<U>,
  acknowledged: ProfileMapperOptions["acknowledged"],
): RowMapper<U> {
  const m = task.mapping;
  const scope = { dag: task.dagId, task: task.id };
  const setSteps = planProperties(m.properties);
  const onceSteps = planProperties(m.setOnce);
  const converter = new ValueConverter(false);
  const idColumn = shape.idColumn;

  const columns = [idColumn];
  if (task.kind === "userProfiles" && task.mapping.ip !== undefined) {
    columns.push(task.mapping.ip);
  }
  for (const s of [...setSteps, ...onceSteps])
    if (s.column) columns.push(s.column);
  const names = [...setSteps, ...onceSteps].map((s) => s.name);
  const rest = m.includeRest
    ? new RestColumns("profiles", new Set([...columns, ...names]), scope)
    : undefined;

  const sources = new Map<string, string>([
    ["$distinct_id", idColumn],
    ["$group_id", idColumn],
  ]);
  for (const s of setSteps) sources.set(`$set.${s.name}`, s.column ?? s.name);
  for (const s of onceSteps) {
    sources.set(`$set_once.${s.name}`, s.column ?? s.name);
  }

  let checked = false;

  return (row) => {
    if (!checked) {
      assertColumns(row, columns, scope);
      checked = true;
    }
    const id = keyText(row[idColumn]);
    const rowKey = id ?? "(null)";
    if (id === null || id === "") {
      return rejection(
        scope,
        rowKey,
        idColumn,
        `${shape.kind} id column "${idColumn}" is ` +
          `${id === "" ? "empty" : "NULL or not text/number"}; every ` +
          `profile needs an id. Filter these rows out in the query`,
      );
    }
    const idProblem = shape.idProblem(id);
    if (idProblem) return rejection(scope, rowKey, idColumn, idProblem);

    const $set: JsonObject = {};
    const notes: StepNotes = {
      truncated: undefined,
      nulls: m.ignoreNulls ? undefined : [],
    };
    const failure =
      applySteps(setSteps, row, $set, converter, notes) ??
      (rest ? applySteps(rest.steps(row), row, $set, converter, notes) : null);
    if (failure) return rejection(scope, rowKey, failure.field, failure.reason);

    const record = shape.identity(id, row);
    record.$set = $set;
    if (onceSteps.length > 0) {
      const $set_once: JsonObject = {};
      const onceNotes: StepNotes = {
        truncated: notes.truncated,
        nulls: undefined,
      };
      const problem = applySteps(
        onceSteps,
        row,
        $set_once,
        converter,
        onceNotes,
      );
      if (problem)
        return rejection(scope, rowKey, problem.field, problem.reason);
      notes.truncated = onceNotes.truncated;
      if (Object.keys($set_once).length > 0) record.$set_once = $set_once;
    }

    const mapped = {
      ok: true as const,
      key: id,
      record,
      ...(notes.truncated ? { truncated: notes.truncated } : {}),
      ...(notes.nulls?.length ? { nullProperties: notes.nulls } : {}),
    };
    if (acknowledged?.(record)) return mapped;

    const checkable =
      record.$token === undefined
        ? { ...record, $token: PLACEHOLDER_TOKEN }
        : record;
    const violation = validateProfileUpdate(checkable, shape.kind, {
      jsonBytes: smallJsonBytes(checkable, LIMITS.maxProfileUpdateBytes),
    });
    if (violation) {
      return rejection(
        scope,
        rowKey,
        violationField(violation.field, sources),
        violationReason(violation.message),
      );
    }
    return mapped;
  };
}

export function compileUserProfileMapper(
  task: UserProfilesTask,
  options: ProfileMapperOptions = {},
): RowMapper<UserProfileUpdate> {
  const { userId, ip } = task.mapping;
  // `$token` goes first, as in Mixpanel's examples, when the caller gave one.
  const token = options.token;
  return compileProfileMapper<UserProfileUpdate>(
    task,
    {
      kind: "user",
      idColumn: userId,
      identity(id, row) {
        const raw = ip === undefined ? null : row[ip];
        const $ip = typeof raw === "string" && raw !== "" ? raw : "0";
        return token === undefined
          ? { $distinct_id: id, $ip, $ignore_time: true }
          : { $token: token, $distinct_id: id, $ip, $ignore_time: true };
      },
      idProblem: (id) =>
        isForbiddenId(id)
          ? `user id ${JSON.stringify(id)} in column "${userId}" is a ` +
            `placeholder Mixpanel refuses as a distinct_id. Replace it ` +
            `with the real id or filter such rows out`
          : null,
    },
    options.acknowledged,
  );
}

/**
 * A sync is not activity, and the sync host's address says nothing about a
 * group: group updates carry the same two flags as user updates.
 */
const GROUP_FLAGS = { $ip: "0", $ignore_time: true } as const;

/** Group ids have no forbidden values: "0" is a valid group. */
export function compileGroupProfileMapper(
  task: GroupProfilesTask,
  options: ProfileMapperOptions = {},
): RowMapper<GroupProfileUpdate> {
  const { groupKey, groupId } = task.mapping;
  const token = options.token;
  return compileProfileMapper<GroupProfileUpdate>(
    task,
    {
      kind: "group",
      idColumn: groupId,
      identity: (id) =>
        token === undefined
          ? { $group_key: groupKey, $group_id: id, ...GROUP_FLAGS }
          : {
              $token: token,
              $group_key: groupKey,
              $group_id: id,
              ...GROUP_FLAGS,
            },
      idProblem: () => null,
    },
    options.acknowledged,
  );
}
