/**
 * Building rejections. The field is what the user can change: the column a
 * value came from, or the property name when a function produced it.
 */
import type { MapResult, MappingRejection } from "./map-result.ts";

export interface RejectionScope {
  readonly dag: string;
  readonly task: string;
}

/** A rejection of one row. */
export function rejection(
  scope: RejectionScope,
  rowKey: string,
  field: string,
  reason: string,
): MapResult<never> {
  const rejected: MappingRejection = {
    dag: scope.dag,
    task: scope.task,
    rowKey,
    field,
    reason,
  };
  return { ok: false, rejection: rejected };
}

/**
 * Translates a Mixpanel field path from a rule violation (`properties.x`,
 * `$set.x`, `$insert_id`) to the column it came from when known.
 */
export function violationField(
  field: string,
  sources: ReadonlyMap<string, string>,
): string {
  const known = sources.get(field);
  if (known !== undefined) return known;
  const dot = field.indexOf(".");
  return dot < 0 ? field : field.slice(dot + 1);
}

/** The reason for a rule violation found by the final local check. */
export function violationReason(message: string): string {
  return `Mixpanel would reject this record: ${message}`;
}
