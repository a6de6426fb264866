import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { startEmulator } from "../../core/emulator/index.ts";
import { getJson, post } from "./helpers.ts";

test("timing mode counts records without validating and spools bodies", async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), "backflow-emulator-spool-"));
  const emulator = await startEmulator({ timing: { spoolDir } });
  try {
    // Not even valid events: timing mode does not look.
    const events = [{ event: "" }, { event: "x" }, { event: "y" }];
    const ndjson = events.map((e) => JSON.stringify(e)).join("\n");
    const reply = await post(`${emulator.url}/import`, gzipSync(ndjson), {
      "content-encoding": "gzip",
    });
    assert.deepEqual(JSON.parse(reply.text), {
      code: 200,
      num_records_imported: 3,
      status: "OK",
    });
    const engage = await post(`${emulator.url}/engage`, "[{},{}]");
    assert.equal(engage.text, "1");

    const stats = await getJson<Record<string, number>>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.deepEqual([stats.events, stats.profiles, stats.rejected], [3, 2, 0]);
    assert.deepEqual((await readdir(spoolDir)).sort(), [
      "00000001-import.gz",
      "00000002-engage.body",
    ]);
  } finally {
    await emulator.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
});
