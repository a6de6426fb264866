/**
 * Memory per million stored events in the emulator.
 *
 *   node --import tsx test/bench/emulator-memory.ts [count] [--http]
 *
 * By default events go through the same steps as an /import request
 * (validation, the stored form, de-dup index) without HTTP; `--http` posts
 * gzip batches of 2000 to a real in-process server instead.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { startEmulator } from "../../core/emulator/index.ts";
import { storedEvent } from "../../core/emulator/stored-event.ts";
import { validateImportEvent } from "../../core/mixpanel/rules.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const viaHttp = process.argv.includes("--http");
const BATCH = 2000;
const base = Date.UTC(2024, 5, 1);

function realisticEvent(n: number) {
  const user = `user-${(n * 7919) % 250_000}`;
  return {
    event: n % 5 === 0 ? "Order Completed" : "Page Viewed",
    properties: {
      time: base + n * 37,
      distinct_id: user,
      $user_id: user,
      $insert_id: `ev-${n.toString(16).padStart(12, "0")}-bench`,
      amount: (n % 1000) / 10,
      currency: "USD",
      sku: `SKU-${n % 50_000}`,
      store_id: n % 500,
      channel: n % 3 ? "web" : "app",
      ip: "0",
    },
  };
}

function memory() {
  gc();
  // `external` already includes every Buffer's memory.
  const { heapUsed, heapTotal, rss, external } = process.memoryUsage();
  return { heapUsed, heapTotal, rss, external };
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

const emulator = await startEmulator({ projects: [{ token: "bench" }] });
const before = memory();
const started = performance.now();
let jsonBytes = 0;

for (let start = 0; start < count; start += BATCH) {
  const batch = [];
  for (let n = start; n < Math.min(count, start + BATCH); n++) {
    batch.push(realisticEvent(n));
  }
  if (viaHttp) {
    const response = await fetch(`${emulator.url}/import?strict=1`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from("bench:").toString("base64")}`,
        "content-encoding": "gzip",
      },
      body: gzipSync(JSON.stringify(batch)),
    });
    if (response.status !== 200) throw new Error(await response.text());
    continue;
  }
  const now = Date.now();
  for (const event of batch) {
    const json = JSON.stringify(event);
    jsonBytes += json.length;
    const options = { nowMs: now, jsonBytes: json.length };
    if (validateImportEvent(event, options)) throw new Error("invalid");
    const stored = storedEvent("1", event, {
      $import: true,
      mp_processing_time_ms: now,
      $mp_api_endpoint: "api.mixpanel.com",
    });
    emulator.state.events.put(stored.key, stored.json);
  }
}

const seconds = (performance.now() - started) / 1000;
const afterAll = memory();
const stored = emulator.state.events.count;
const perMillion = (bytes: number) => mib((bytes / stored) * 1_000_000);
const sample = emulator.state.events.bytes(0).length;

console.log(`stored events:        ${stored} (${viaHttp ? "HTTP" : "direct"})`);
if (!viaHttp)
  console.log(`avg sent JSON:        ${(jsonBytes / count).toFixed(0)} B`);
console.log(`stored JSON (first):  ${sample} B`);
console.log(
  `time:                 ${seconds.toFixed(1)} s (${Math.round(count / seconds)} events/s)`,
);
console.log(
  `heap per 1M events:   ${perMillion(afterAll.heapUsed - before.heapUsed)} MiB`,
);
console.log(
  `buffers per 1M:       ${perMillion(afterAll.external - before.external)} MiB`,
);
console.log(
  `RSS per 1M events:    ${perMillion(afterAll.rss - before.rss)} MiB`,
);
console.log(`V8 heap reserved:     ${mib(afterAll.heapTotal)} MiB`);
console.log(`RSS total:            ${mib(afterAll.rss)} MiB`);
await emulator.close();
