/**
 * Rejected rows as the store keeps them: row key, field, reason and a
 * short excerpt (the key and the offending value, cut short and with
 * secrets masked) so that `backflow rejects` shows what was wrong.
 */
import type { MappingRejection } from "../mapping/map-result.ts";
import type { Rejection } from "../mixpanel/types.ts";
import { redact } from "../util/redact.ts";
import { wellFormed } from "../util/well-formed.ts";
import type { RejectedRow } from "./sync-io.ts";

const MAX_TEXT = 200;

// Cut on a code point, and with lone surrogates replaced: the store's
// jsonb refuses them, which would fail the task instead of recording it.
function shortText(text: string): string {
  let end = Math.min(text.length, MAX_TEXT);
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
  const cut = end < text.length ? `${text.slice(0, end)}…` : text;
  return redact(wellFormed(cut));
}

function excerptValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
      return shortText(value);
    case "number":
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    default:
      if (value instanceof Date) {
        return Number.isNaN(value.getTime()) ? "Invalid Date" : value;
      }
      try {
        return shortText(JSON.stringify(value) ?? String(value));
      } catch {
        // Too deep to print (or a getter that throws): say so instead.
        return "(a value that can not be shown)";
      }
  }
}

/** A small, redacted extract of the named values. */
export function excerptOf(
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = excerptValue(value);
  }
  return out;
}

/** A row the mapper refused. */
export function mappingRejected(
  row: Readonly<Record<string, unknown>>,
  keyColumn: string,
  key: string | null,
  rejection: MappingRejection,
): RejectedRow {
  const values: Record<string, unknown> = { [keyColumn]: row[keyColumn] };
  if (rejection.field in row) values[rejection.field] = row[rejection.field];
  return {
    rowKey: key,
    field: rejection.field,
    reason: rejection.reason,
    source: "mapping",
    excerpt: excerptOf(values),
  };
}

/** The value at a Mixpanel field path such as `properties.amount`. */
function valueAt(record: unknown, path: string): unknown {
  if (typeof record !== "object" || record === null || path === "") {
    return undefined;
  }
  const top = record as Record<string, unknown>;
  if (path in top) return top[path];
  const dot = path.indexOf(".");
  if (dot < 0) return undefined;
  const inner = top[path.slice(0, dot)];
  if (typeof inner !== "object" || inner === null) return undefined;
  return (inner as Record<string, unknown>)[path.slice(dot + 1)];
}

/** A record refused by the local rule check or by Mixpanel. */
export function recordRejected(
  rejection: Rejection<unknown>,
  key: string | null,
  record: unknown,
): RejectedRow {
  const value = valueAt(record, rejection.field);
  return {
    rowKey: key,
    field: rejection.field,
    reason: rejection.message,
    source: rejection.source,
    excerpt: excerptOf(
      value === undefined ? { key } : { key, [rejection.field]: value },
    ),
  };
}

/** Rows whose cursor is NULL: their fate is to be reported, not sent. */
export function nullCursorRejected(
  key: string | null,
  keyColumn: string,
  cursorColumn: string,
): RejectedRow {
  return {
    rowKey: key,
    field: cursorColumn,
    reason:
      `the cursor column "${cursorColumn}" is NULL, so the row has no ` +
      `place in the incremental order and is not sent; give every row a ` +
      `cursor value (e.g. coalesce(updated_at, created_at) as ` +
      `${cursorColumn}). It is retried every run and sent once it has one`,
    source: "mapping",
    excerpt: excerptOf({ [keyColumn]: key, [cursorColumn]: null }),
  };
}
