/**
 * Timing mode, for benchmarks of clients: every API request is counted and
 * answered with success, with no auth, validation or storage, so the
 * emulator costs as little as possible. Bodies can be spooled to disk.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ApiRequest } from "./api-request.ts";
import { decompress, parseForm } from "./body.ts";
import type { Reply } from "./responses.ts";
import { json, rateLimited } from "./responses.ts";
import type { EmulatorState } from "./state.ts";

const isSpace = (b: number) =>
  b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Lines holding more than blanks, counted on the bytes. */
function countLines(body: Buffer): number {
  let lines = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end < 0) end = body.length;
    for (let i = start; i < end; i++) {
      if (!isSpace(body[i]!)) {
        lines += 1;
        break;
      }
    }
    start = end + 1;
  }
  return lines;
}

/** Items of a JSON array, counted on the bytes (strings skipped). */
function countItems(body: Buffer, open: number): number {
  let depth = 0;
  let items = 0;
  let empty = true;
  for (let i = open; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x22) {
      for (i++; i < body.length && body[i] !== 0x22; i++) {
        if (body[i] === 0x5c) i++;
      }
    } else if (b === 0x5b || b === 0x7b) {
      depth += 1;
    } else if (b === 0x5d || b === 0x7d) {
      depth -= 1;
    } else if (b === 0x2c && depth === 1) {
      items += 1;
    }
    if (depth === 1 && b !== 0x5b && !isSpace(b)) empty = false;
    if (depth >= 2) empty = false;
  }
  return empty ? 0 : items + 1;
}

/**
 * Counts records without parsing them (the emulator must not steal the
 * CPU a benchmark measures): one per non-blank NDJSON line, or one per
 * item of a JSON array.
 */
function countRecords(body: Buffer): number {
  let first = 0;
  while (first < body.length && isSpace(body[first]!)) first++;
  if (first === body.length) return 0;
  if (body.subarray(first, first + 5).toString() === "data=") {
    const text = body.toString("utf8").trim();
    const data = decodeURIComponent(parseForm(text).get("data") ?? "");
    const json = data.startsWith("[") ? data : Buffer.from(data, "base64");
    return countRecords(Buffer.from(json));
  }
  if (body[first] === 0x5b) return countItems(body, first);
  return countLines(body);
}

export async function handleTiming(
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
): Promise<Reply> {
  const body = request.gzip
    ? decompress(request.wire, 1024 ** 3)
    : request.wire;
  const records = countRecords(body);
  note.records = records;
  // The rate limit applies here too (a refused body is not spooled), so
  // benchmarks can run a client against the ingestion cap.
  const wait = state.faults.throttle(records);
  if (wait > 0) {
    return rateLimited(request.path === "/import" ? "import" : "profile", wait);
  }

  const timing = state.options.timing;
  const spoolDir = typeof timing === "object" ? timing.spoolDir : undefined;
  if (spoolDir) {
    state.spooled += 1;
    const name = `${String(state.spooled).padStart(8, "0")}-${request.path.slice(1)}`;
    const file = join(spoolDir, name + (request.gzip ? ".gz" : ".body"));
    await writeFile(file, request.wire);
  }

  if (request.path === "/import") {
    state.timed.events += records;
    return json(200, {
      code: 200,
      num_records_imported: records,
      status: "OK",
    });
  }
  if (request.path === "/groups") state.timed.groups += records;
  else if (request.path === "/engage") state.timed.profiles += records;
  else state.timed.events += records;
  const verbose = request.query.get("verbose");
  if (verbose === "1" || verbose === "2") {
    return json(200, { status: 1, error: null });
  }
  return { status: 200, body: "1" };
}
