/**
 * Checks a mapping when its DAG is built, before any row is read: required
 * options present, values of the right kind, no property that would clobber
 * one Mixpanel or backflow reserves. The type checker already rejects most
 * of this in TypeScript modules; this catches plain JavaScript and casts.
 */
import { isValidUtf8String } from "../mixpanel/rules.ts";
import type { PropertyMap, TaskMapping } from "./mapping-spec.ts";
import { reservedReason, type RecordKind } from "./reserved-properties.ts";

/** Mixpanel truncates longer names, which could merge two properties. */
const MAX_PROPERTY_NAME = 255;

const isColumn = (value: unknown) =>
  typeof value === "string" && value.trim() !== "";

function columnProblem(mapping: object, key: string, required: boolean) {
  const value = (mapping as Record<string, unknown>)[key];
  if (value === undefined && !required) return null;
  if (isColumn(value)) return null;
  return value === undefined
    ? `the mapping needs ${key}: the name of a column`
    : `${key} must be the name of a column (got ${typeof value})`;
}

function propertiesProblem(
  kind: RecordKind,
  option: string,
  map: PropertyMap<never> | undefined,
): string | null {
  if (map === undefined) return null;
  if (typeof map !== "object" || map === null || Array.isArray(map)) {
    return `${option} must be an object of property name → column or function`;
  }
  for (const [name, source] of Object.entries(map)) {
    if (name.trim() === "" || !isValidUtf8String(name)) {
      return `${option} has an empty or malformed property name`;
    }
    if (name.length > MAX_PROPERTY_NAME) {
      return (
        `${option}: property name "${name.slice(0, 40)}…" is longer ` +
        `than Mixpanel's ${MAX_PROPERTY_NAME} characters`
      );
    }
    const reserved = reservedReason(kind, name);
    if (reserved) {
      return (
        `${option}: ${reserved}; map the column under another ` +
        `property name`
      );
    }
    if (!isColumn(source) && typeof source !== "function") {
      return `${option}.${name} must be a column name or a function of the row`;
    }
  }
  return null;
}

function flagProblem(mapping: object, key: string): string | null {
  const value = (mapping as Record<string, unknown>)[key];
  if (value === undefined || typeof value === "boolean") return null;
  return `${key} must be true or false`;
}

function eventNameProblem(event: unknown): string | null {
  if (event === undefined || typeof event === "function") return null;
  if (typeof event === "string") {
    return event.trim() === "" ? "event must not be blank" : null;
  }
  if (typeof event === "object" && event !== null && "column" in event) {
    return isColumn(event.column)
      ? null
      : "event.column must be the name of a column";
  }
  return `event must be a name, { column: "…" } or a function of the row`;
}

/** The first problem of a mapping, as a sentence, or null when it is fine. */
export function mappingProblem(task: TaskMapping): string | null {
  const { mapping } = task;
  if (typeof mapping !== "object" || mapping === null) {
    return "the task needs a mapping";
  }
  const common = [
    flagProblem(mapping, "includeRest"),
    propertiesProblem(
      task.kind === "events" ? "events" : "profiles",
      "properties",
      mapping.properties,
    ),
  ];

  if (task.kind === "events") {
    const m = task.mapping;
    return (
      [
        eventNameProblem(m.event),
        columnProblem(m, "insertId", true),
        columnProblem(m, "userId", true),
        columnProblem(m, "time", true),
        columnProblem(m, "ip", false),
        ...common,
      ].find((p) => p !== null) ?? null
    );
  }

  const m = task.mapping;
  const setOnce = propertiesProblem("profiles", "setOnce", m.setOnce);
  const both = Object.keys(m.setOnce ?? {}).find(
    (name) => m.properties !== undefined && name in m.properties,
  );
  const problems = [
    ...common,
    setOnce,
    flagProblem(m, "ignoreNulls"),
    both === undefined
      ? null
      : `property "${both}" is in both properties and setOnce; keep one`,
  ];
  if (task.kind === "userProfiles") {
    problems.unshift(
      columnProblem(task.mapping, "userId", true),
      columnProblem(task.mapping, "ip", false),
    );
  } else {
    const key = task.mapping.groupKey;
    problems.unshift(
      isColumn(key)
        ? null
        : "the mapping needs groupKey: the group key configured in the " +
            'Mixpanel project, e.g. "company_id"',
      columnProblem(task.mapping, "groupId", true),
    );
  }
  return problems.find((p) => p !== null) ?? null;
}
