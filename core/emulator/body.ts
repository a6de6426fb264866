/**
 * Request bodies as Mixpanel's ingestion endpoints accept them: optionally
 * gzip-compressed; a JSON array, a single JSON object, NDJSON, or a form
 * with `data=` holding raw or base64 JSON (spec §3.1, §5.1, §12a).
 */
import type { IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";

/** A body the emulator refuses before looking at its records. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body as sent on the wire, refusing more than `limit`. */
export async function readBody(
  request: IncomingMessage,
  limit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      request.resume();
      throw new BodyError(413, `request exceeds max limit of ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Undoes `Content-Encoding: gzip`, capping the inflated size at `limit`. */
export function decompress(wire: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(wire, { maxOutputLength: limit + 1 });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new BodyError(413, `request exceeds max limit of ${limit} bytes`);
    }
    throw new BodyError(400, "invalid gzip body");
  }
}

export interface ParsedBody {
  records: unknown[];
  /** Fields of a form body other than `data` (e.g. `verbose`). */
  form: Map<string, string>;
  /** Whether the body was a legacy form (`data=`). */
  isForm: boolean;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BodyError(400, `invalid JSON in ${what}: ${String(error)}`);
  }
}

function parseNdjson(text: string): unknown[] {
  const records: unknown[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line !== "") records.push(parseJson(line, `line ${i + 1}`));
  }
  return records;
}

function asRecords(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "object" && value !== null) return [value];
  throw new BodyError(400, "body must be a JSON array or object");
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new BodyError(400, "malformed percent-encoding in form body");
  }
}

/**
 * Reads `data=`. Raw JSON is decoded as a normal form value ('+' is a
 * space), falling back to a literal '+'; base64 keeps '+', which the
 * official Node SDK sends unescaped.
 */
function decodeDataField(raw: string): unknown {
  const literal = percentDecode(raw);
  if (/^\s*[[{]/.test(literal)) {
    try {
      return JSON.parse(percentDecode(raw.replace(/\+/g, " ")));
    } catch {
      return parseJson(literal, "data");
    }
  }
  const json = Buffer.from(literal.replace(/ /g, "+"), "base64").toString();
  return parseJson(json, "base64 data");
}

export function parseForm(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const key = at < 0 ? pair : pair.slice(0, at);
    fields.set(key, at < 0 ? "" : pair.slice(at + 1));
  }
  return fields;
}

/** Turns a decoded body into records, guided by its Content-Type. */
export function parseBody(body: Buffer, contentType = ""): ParsedBody {
  const text = body.toString("utf8");
  const type = contentType.toLowerCase();
  const trimmed = text.trimStart();

  if (type.includes("x-www-form-urlencoded") || trimmed.startsWith("data=")) {
    const form = parseForm(text.trim());
    const data = form.get("data");
    form.delete("data");
    if (data === undefined) throw new BodyError(400, "missing data field");
    return { records: asRecords(decodeDataField(data)), form, isForm: true };
  }

  const plain = (records: unknown[]): ParsedBody => ({
    records,
    form: new Map(),
    isForm: false,
  });
  if (type.includes("ndjson") || type.includes("jsonl")) {
    return plain(parseNdjson(text));
  }
  if (trimmed.startsWith("[")) {
    return plain(asRecords(parseJson(text, "body")));
  }
  if (trimmed.startsWith("{")) {
    try {
      return plain([JSON.parse(text)]);
    } catch {
      return plain(parseNdjson(text));
    }
  }
  if (trimmed === "") return plain([]);
  throw new BodyError(400, "body must be a JSON array, NDJSON or form data");
}
