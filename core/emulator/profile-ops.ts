/**
 * Applies profile operations to a property map (spec §5.3), in the fixed
 * order of U12. Pure: returns a new map, or null when `$delete` removes the
 * profile, and never mutates its input.
 */
import { USER_OPERATIONS } from "../mixpanel/rules.ts";

export type Properties = Record<string, unknown>;

/** Operations that bring a missing profile into existence. */
const CREATING = new Set(["$set", "$set_once", "$add", "$union", "$append"]);

const same = (a: unknown, b: unknown) =>
  a === b || JSON.stringify(a) === JSON.stringify(b);

function entries(value: unknown): [string, unknown][] {
  return typeof value === "object" && value !== null
    ? Object.entries(value)
    : [];
}

function applyOne(props: Properties, op: string, value: unknown): void {
  switch (op) {
    case "$set":
      for (const [name, item] of entries(value)) props[name] = item;
      return;
    case "$set_once":
      for (const [name, item] of entries(value)) {
        if (!(name in props)) props[name] = item;
      }
      return;
    case "$add":
      for (const [name, item] of entries(value)) {
        const current = props[name];
        props[name] =
          (typeof current === "number" ? current : 0) + Number(item);
      }
      return;
    case "$append":
      for (const [name, item] of entries(value)) {
        const current = props[name];
        props[name] = Array.isArray(current) ? [...current, item] : [item];
      }
      return;
    case "$union":
      for (const [name, item] of entries(value)) {
        const current = Array.isArray(props[name]) ? props[name] : [];
        const merged = [...(current as unknown[])];
        for (const one of Array.isArray(item) ? item : [item]) {
          if (!merged.some((kept) => same(kept, one))) merged.push(one);
        }
        props[name] = merged;
      }
      return;
    case "$remove":
      for (const [name, item] of entries(value)) {
        const current = props[name];
        if (Array.isArray(current)) {
          props[name] = current.filter((kept) => !same(kept, item));
        }
      }
      return;
    case "$unset":
      for (const name of Array.isArray(value) ? value : []) {
        delete props[String(name)];
      }
      return;
  }
}

/**
 * Applies every operation present in `update` to `existing` (undefined when
 * the profile does not exist yet). Returns the new property map, null when
 * the profile is deleted, or undefined when nothing exists afterwards.
 */
export function applyOperations(
  existing: Properties | undefined,
  update: Record<string, unknown>,
): Properties | null | undefined {
  const present = USER_OPERATIONS.filter((op) => op in update);
  let props = existing ? { ...existing } : undefined;
  for (const op of present) {
    if (op === "$delete") return null;
    if (!props && !CREATING.has(op)) continue;
    props ??= {};
    applyOne(props, op, update[op]);
  }
  return props;
}
