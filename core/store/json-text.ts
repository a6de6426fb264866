/**
 * JSON for jsonb parameters: bigints become strings (JSON.stringify would
 * throw), and registered secrets are masked before anything is stored.
 */
import { redact } from "../util/redact.ts";

export function jsonText(value: unknown): string {
  return redact(
    JSON.stringify(value, (_key, v: unknown) =>
      typeof v === "bigint" ? v.toString() : v,
    ) ?? "null",
  );
}
