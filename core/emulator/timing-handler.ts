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
import { json } from "./responses.ts";
import type { EmulatorState } from "./state.ts";

/** Counts records without parsing NDJSON: one per non-blank line. */
function countRecords(body: Buffer): number {
  const text = body.toString("utf8").trim();
  if (text === "") return 0;
  if (text.startsWith("data=")) {
    const data = decodeURIComponent(parseForm(text).get("data") ?? "");
    const json = data.startsWith("[") ? data : Buffer.from(data, "base64");
    return countRecords(Buffer.from(json));
  }
  if (text.startsWith("[")) return (JSON.parse(text) as unknown[]).length;
  let lines = 0;
  for (const line of text.split("\n")) if (line.trim() !== "") lines += 1;
  return lines;
}

export async function handleTiming(
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
): Promise<Reply> {
  const timing = state.options.timing;
  const spoolDir = typeof timing === "object" ? timing.spoolDir : undefined;
  if (spoolDir) {
    state.spooled += 1;
    const name = `${String(state.spooled).padStart(8, "0")}-${request.path.slice(1)}`;
    const file = join(spoolDir, name + (request.gzip ? ".gz" : ".body"));
    await writeFile(file, request.wire);
  }

  const body = request.gzip
    ? decompress(request.wire, 1024 ** 3)
    : request.wire;
  const records = countRecords(body);
  note.records = records;

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
