/**
 * Deterministic `$insert_id`s. Mixpanel deduplicates a resent event by it,
 * so it must be the same for the same row on every run and in every process,
 * and differ between tasks that send the same rows.
 */
import { hash } from "node:crypto";

/** Hex characters kept: within Mixpanel's 36 bytes of `[A-Za-z0-9-]`. */
export const INSERT_ID_LENGTH = 32;

/**
 * The first 32 hex characters of SHA-256 over `dagId:taskId:key`. DAG and
 * task ids can not contain ':', so no two inputs share a hash input.
 *
 * The same value in SQL (for a mapping compiled into the query):
 * `left(encode(sha256(convert_to(dag || ':' || task || ':' || key,
 * 'UTF8')), 'hex'), 32)`.
 */
export function insertIdFor(dagId: string, taskId: string, key: string) {
  // One-shot hashing is about 3× faster than createHash on this hot path.
  return hash("sha256", `${dagId}:${taskId}:${key}`, "hex").slice(
    0,
    INSERT_ID_LENGTH,
  );
}

/**
 * The text form of a key column's value (row key, user id, group id, insert
 * id input), or null when the value is missing or can not identify a row.
 */
export function keyText(value: unknown): string | null {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return Number.isFinite(value) ? String(value) : null;
    case "bigint":
      return value.toString();
    case "boolean":
      return String(value);
    default:
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? null : value.toISOString();
      }
      return null;
  }
}
