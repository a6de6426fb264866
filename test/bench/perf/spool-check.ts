/**
 * The check after a timed run: what reached the emulator, read back from
 * the spooled bodies (gzip or plain, NDJSON or JSON array). A run passes
 * only when exactly the expected number of distinct records arrived; the
 * records delivered more than once are counted as duplicates, which
 * Mixpanel would remove at query time (events, by `$insert_id`) or apply
 * twice harmlessly (profile `$set`).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

export type RecordKey = "$insert_id" | "$distinct_id" | "$group_id";

export interface SpoolCheck {
  ok: boolean;
  problem?: string;
  bodies: number;
  records: number;
  unique: number;
  duplicates: number;
  /** Records that are not JSON or lack the key (never valid). */
  keyless: number;
  wireBytes: number;
  rawBytes: number;
}

function keyOf(record: unknown, key: RecordKey): string | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  const r = record as Record<string, unknown>;
  const value =
    key === "$insert_id"
      ? (r.properties as Record<string, unknown> | undefined)?.[key]
      : r[key];
  if (typeof value === "string" || typeof value === "number") {
    return key === "$group_id"
      ? `${String(r.$group_key)}/${value}`
      : `${value}`;
  }
  return undefined;
}

/** The records of a body; one that is not JSON counts as undefined. */
function recordsOf(text: string): unknown[] {
  const parse = (json: string): unknown => {
    try {
      return JSON.parse(json);
    } catch {
      return undefined;
    }
  };
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("[")) {
    const all = parse(trimmed);
    return Array.isArray(all) ? all : [undefined];
  }
  return trimmed
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(parse);
}

/**
 * @param expected the number of distinct records the run should deliver
 * @param path only bodies for this endpoint ("import", "engage", "groups")
 */
export async function checkSpool(
  dir: string,
  key: RecordKey,
  expected: number,
  path: string,
): Promise<SpoolCheck> {
  const seen = new Set<string>();
  const result: SpoolCheck = {
    ok: false,
    bodies: 0,
    records: 0,
    unique: 0,
    duplicates: 0,
    keyless: 0,
    wireBytes: 0,
    rawBytes: 0,
  };
  const names = (await readdir(dir)).filter((n) => n.includes(`-${path}.`));
  for (const name of names.sort()) {
    const wire = await readFile(join(dir, name));
    const raw = name.endsWith(".gz") ? gunzipSync(wire) : wire;
    result.bodies += 1;
    result.wireBytes += wire.length;
    result.rawBytes += raw.length;
    for (const record of recordsOf(raw.toString("utf8"))) {
      result.records += 1;
      const id = keyOf(record, key);
      if (id === undefined) result.keyless += 1;
      else if (seen.has(id)) result.duplicates += 1;
      else seen.add(id);
    }
  }
  result.unique = seen.size;
  if (result.keyless > 0) {
    result.problem = `${result.keyless} records unreadable or without ${key}`;
  } else if (result.unique !== expected) {
    result.problem =
      `expected ${expected} distinct ${key}s, the emulator ` +
      `received ${result.unique}`;
  }
  result.ok = result.problem === undefined;
  return result;
}
