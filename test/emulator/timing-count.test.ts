import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startEmulator } from "../../core/emulator/index.ts";
import { getJson, post } from "./helpers.ts";

test("timing mode counts array items and lines on the bytes", async () => {
  const emulator = await startEmulator({ timing: true });
  try {
    const imported = async (body: string) => {
      const reply = await post(`${emulator.url}/import`, body);
      return (JSON.parse(reply.text) as { num_records_imported: number })
        .num_records_imported;
    };
    assert.equal(await imported("[]"), 0);
    assert.equal(await imported(" [ ] "), 0);
    assert.equal(await imported('[{"a":[1,2,{"b":3}]}]'), 1);
    assert.equal(await imported('[{"s":"x,],[\\"y"},{"t":1}, 7]'), 3);
    assert.equal(await imported('{"a":1}\n\n{"b":"c\\nd"}\n'), 2);
    assert.equal(await imported('{"a":1}\n   \n{"b":2}'), 2);
    assert.equal(await imported("\n \n"), 0);
  } finally {
    await emulator.close();
  }
});

test("timing mode applies the rate limit and spools only what it takes", async () => {
  const spoolDir = await mkdtemp(join(tmpdir(), "backflow-emulator-spool-"));
  const emulator = await startEmulator({
    timing: { spoolDir },
    faults: { rateLimit: { eventsPerSecond: 3 } },
  });
  try {
    const body = '{"a":1}\n{"a":2}';
    const first = await post(`${emulator.url}/import`, body);
    assert.equal(first.status, 200);
    const second = await post(`${emulator.url}/import`, body);
    assert.equal(second.status, 429);
    assert.equal(second.headers["retry-after"], "1");
    const stats = await getJson<Record<string, number>>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.equal(stats.events, 2);
    assert.deepEqual(await readdir(spoolDir), ["00000001-import.body"]);
  } finally {
    await emulator.close();
    await rm(spoolDir, { recursive: true, force: true });
  }
});
