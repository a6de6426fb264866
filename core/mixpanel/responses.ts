/**
 * Reading Mixpanel's answers. Bodies are parsed defensively: field names and
 * element types differ between the docs and the live service
 * (mixpanel-api.md §3.7, §5.5, §12a).
 */

/** One record the server refused, by its position in the request body. */
export interface FailedRecord {
  index: number;
  field: string;
  message: string;
}

export interface ImportReply {
  imported: number;
  /** Per-record failures with a usable index. */
  failed: FailedRecord[];
  /** Failure reasons given as bare strings (no index). */
  batchReasons: string[];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Parses a strict /import reply (200 or 400). Returns undefined when the
 * body carries no `failed_records` on a 400, i.e. the request itself was
 * malformed.
 */
export function parseImportReply(
  status: number,
  text: string,
): ImportReply | undefined {
  const body = asRecord(parseJson(text));
  const imported =
    typeof body?.num_records_imported === "number"
      ? body.num_records_imported
      : 0;
  if (status === 200) return { imported, failed: [], batchReasons: [] };

  const records = body?.failed_records;
  if (!Array.isArray(records)) return undefined;
  const reply: ImportReply = { imported, failed: [], batchReasons: [] };
  for (const item of records) {
    if (typeof item === "string") {
      reply.batchReasons.push(item);
      continue;
    }
    const rec = asRecord(item);
    if (!rec || typeof rec.index !== "number") {
      reply.batchReasons.push(JSON.stringify(item));
      continue;
    }
    reply.failed.push({
      index: rec.index,
      field: typeof rec.field === "string" ? rec.field : "",
      message:
        typeof rec.message === "string" ? rec.message : "rejected by Mixpanel",
    });
  }
  return reply;
}

export type ProfileReply = { ok: true } | { ok: false; error: string };

/**
 * Reads an /engage or /groups reply. Both answer 200 for invalid data, so
 * the body decides: `1` / `{"status":1}` is success, `0` / `{"status":0}`
 * is failure.
 */
export function parseProfileReply(text: string): ProfileReply {
  const body = parseJson(text);
  if (body === 1) return { ok: true };
  if (body === 0) {
    return { ok: false, error: "Mixpanel accepted none of the updates" };
  }
  const rec = asRecord(body);
  if (rec && (rec.status === 1 || rec.status === "OK")) return { ok: true };
  if (rec && typeof rec.error === "string" && rec.error) {
    return { ok: false, error: rec.error };
  }
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return { ok: false, error: `unexpected reply: ${shown}` };
}

/** A short description of an error body for messages (redact it after). */
export function errorText(text: string): string {
  const rec = asRecord(parseJson(text));
  if (rec && typeof rec.error === "string") return rec.error;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
