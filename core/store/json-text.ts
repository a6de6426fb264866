/**
 * JSON for jsonb parameters: bigints become strings (JSON.stringify would
 * throw), characters jsonb refuses are replaced, and registered secrets
 * are masked before anything is stored.
 */
import { redact } from "../util/redact.ts";
import { wellFormed } from "../util/well-formed.ts";

export function jsonText(value: unknown): string {
  return redact(JSON.stringify(value, storable) ?? "null");
}

// jsonb refuses \u0000 and lone surrogates (which a source's `json`
// column can hold), so such characters become U+FFFD rather than fail
// the write that stores a rejected row's excerpt.
function storable(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "string") return value;
  return wellFormed(value).replaceAll("\u0000", "\uFFFD");
}
