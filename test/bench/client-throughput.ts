/**
 * Client throughput: 200,000 prepared events (~250 bytes each) through
 * MixpanelClient to an emulator running in a separate process on loopback
 * (timing mode: it counts records and skips storage).
 *
 *   node --import tsx test/bench/client-throughput.ts
 *   node --import tsx test/bench/client-throughput.ts --events 500000 \
 *     --gzip 1,6 --concurrency 4,8
 *
 * Every configuration runs `--repeat` times (default 3), each in a fresh
 * child process so CPU time and peak RSS belong to that run alone; the
 * median run by events/s is printed. Figures: events/s (wall clock),
 * client CPU seconds (user + system) per million events, peak RSS, and the
 * bytes on the wire.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { MixpanelClient } from "../../core/mixpanel/client.ts";
import { resolveMixpanelConnection } from "../../core/mixpanel/connection.ts";
import type { MixpanelEvent } from "../../core/mixpanel/types.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

function makeEvents(count: number): MixpanelEvent[] {
  const now = Date.now() - 60_000;
  const events: MixpanelEvent[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const user = `user-${(i % 50_000).toString(36).padStart(6, "0")}`;
    events[i] = {
      event: i % 4 === 0 ? "Page Viewed" : "Order Completed",
      properties: {
        time: now - i * 13,
        distinct_id: user,
        $user_id: user,
        $insert_id: `ord-${i.toString(16).padStart(28, "0")}`,
        amount: (i % 10_000) / 100,
        currency: i % 2 ? "EUR" : "USD",
        company_id: `co-${i % 977}`,
        plan: i % 3 ? "pro" : "free",
        coupon: i % 5 ? null : "SPRING",
        ip: "0",
      },
    };
  }
  return events;
}

/** Starts `backflow emulator --timing` and resolves with its base URL. */
async function startEmulatorProcess() {
  const child = spawn(
    process.execPath,
    [
      "cli/bin.js",
      "emulator",
      "--port",
      "0",
      "--timing",
      "--token",
      "bench-token",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    lines.once("line", (line) => resolve(line.trim()));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

interface Figures {
  events: number;
  gzip: number;
  concurrency: number;
  seconds: number;
  eventsPerSecond: number;
  cpuSecondsPer1M: number;
  peakRssMB: number;
  rssBeforeMB: number;
  requests: number;
  wireMB: number;
  rawMB: number;
  received: number;
}

/** One configuration, in this (child) process. */
async function runOne(url: string, count: number, gzip: number, conc: number) {
  const events = makeEvents(count);
  const connection = resolveMixpanelConnection({
    name: "bench",
    token: "bench-token",
    apiUrl: url,
  });
  const client = new MixpanelClient(connection, {
    gzipLevel: gzip,
    concurrency: conc,
  });
  await fetch(`${url}/_emulator/reset`, { method: "POST" });
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);

  const cpu = process.cpuUsage();
  const started = performance.now();
  const sender = client.createSender<number>("events");
  for (let i = 0; i < events.length; i++) await sender.push(events[i]!, i);
  const stats = await sender.flush();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  await client.close();

  const emulator = (await (
    await fetch(`${url}/_emulator/stats`)
  ).json()) as Record<string, unknown>;
  const received = Number(
    (emulator.timing as { records?: number } | undefined)?.records ??
      emulator.records ??
      emulator.events ??
      -1,
  );
  const figures: Figures = {
    events: count,
    gzip,
    concurrency: conc,
    seconds: round(seconds, 2),
    eventsPerSecond: Math.round(count / seconds),
    cpuSecondsPer1M: round(
      ((used.user + used.system) / 1e6) * (1e6 / count),
      2,
    ),
    peakRssMB: Math.round(peak / 2 ** 20),
    rssBeforeMB: Math.round(rssBefore / 2 ** 20),
    requests: stats.requests,
    wireMB: round(stats.wireBytes / 2 ** 20, 1),
    rawMB: round(stats.bytes / 2 ** 20, 1),
    received,
  };
  process.stdout.write(JSON.stringify(figures) + "\n");
}

function round(value: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function runChild(url: string, count: number, gzip: number, conc: number) {
  return new Promise<Figures>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--expose-gc",
        fileURLToPath(import.meta.url),
        "--child",
        url,
        String(count),
        String(gzip),
        String(conc),
      ],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout!.on("data", (chunk) => (out += chunk));
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`bench child exited ${code}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()!) as Figures);
    });
  });
}

async function main() {
  const child = process.argv.indexOf("--child");
  if (child >= 0) {
    const [url, count, gzip, conc] = process.argv.slice(child + 1);
    await runOne(url!, Number(count), Number(gzip), Number(conc));
    return;
  }

  const count = Number(arg("events", "200000"));
  const levels = arg("gzip", "1,6").split(",").map(Number);
  const concurrencies = arg("concurrency", "4,8,16").split(",").map(Number);
  const repeat = Number(arg("repeat", "3"));
  const emulator = await startEmulatorProcess();
  console.log(
    `emulator (timing mode) at ${emulator.url}; ${count} events; ` +
      `median of ${repeat} runs`,
  );
  console.log(
    "gzip conc   events/s  cpu-s/1M  RSS-before  peak-RSS  wire-MB  raw-MB",
  );
  try {
    for (const gzip of levels) {
      for (const conc of concurrencies) {
        const runs: Figures[] = [];
        for (let r = 0; r < repeat; r++) {
          runs.push(await runChild(emulator.url, count, gzip, conc));
        }
        runs.sort((a, b) => a.eventsPerSecond - b.eventsPerSecond);
        const f = runs[Math.floor(runs.length / 2)]!;
        if (f.received >= 0 && f.received !== count) {
          console.log(`  ! emulator counted ${f.received} records`);
        }
        console.log(
          [
            String(f.gzip).padStart(4),
            String(f.concurrency).padStart(4),
            String(f.eventsPerSecond).padStart(10),
            f.cpuSecondsPer1M.toFixed(2).padStart(9),
            `${f.rssBeforeMB} MB`.padStart(11),
            `${f.peakRssMB} MB`.padStart(9),
            f.wireMB.toFixed(1).padStart(8),
            f.rawMB.toFixed(1).padStart(7),
          ].join(" "),
        );
      }
    }
  } finally {
    await emulator.stop();
  }
}

await main();
