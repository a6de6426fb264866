/**
 * Side-by-side benchmark of warehouse-to-Mixpanel paths (issue 9): backflow,
 * the `mixpanel-import` package fed the same rows, and the machine's
 * ceiling, against one emulator in timing mode on loopback.
 *
 *   node --import tsx test/bench/perf.ts [--rows 1000000] [--reps 3]
 *     [--scenarios help,grid,events,scaling,latency,rate-limited,faults,
 *                  dense,profiles,incremental]
 *     [--scaling 100000,5000000] [--grid-rows 100000] [--grid-reps 2]
 *     [--fresh-seed]
 *
 * PostgreSQL: BACKFLOW_BENCH_DATABASE_URL, else 127.0.0.1:5432 as user
 * postgres, else an embedded server. The seed (database `bf_perf`) is
 * reused while its version and sizes match; the metadata store (database
 * `bf_perf_meta`) starts empty each time and is warmed before timing.
 * Every run is a child process, timed from spawn to exit; tools run one
 * at a time and in rotating order. Results also go to
 * `.backflow/bench/perf-<time>.json`.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { startBenchEmulator } from "./perf/emulator.ts";
import { loadAverage, PgCpuMeter } from "./perf/measure.ts";
import { scenarioTable, targets, targetTable } from "./perf/report.ts";
import {
  dense,
  events,
  faults,
  grid,
  helpTime,
  incremental,
  latency,
  profiles,
  rateLimited,
  scaling,
  warmUp,
  type BenchContext,
  type ScenarioResult,
} from "./perf/scenarios.ts";
import { DEFAULT_SIZES, ensureSeed } from "./perf/seed.ts";
import { benchServer, ensureDatabase } from "./perf/server.ts";
import { ROOT } from "./perf/tools.ts";

const ALL = [
  "help",
  "grid",
  "events",
  "scaling",
  "latency",
  "rate-limited",
  "faults",
  "dense",
  "profiles",
  "incremental",
];

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

const numbers = (text: string) =>
  text
    .split(",")
    .filter(Boolean)
    .map((v) => Number(v.replace(/_/g, "")));

async function peerVersion(): Promise<string> {
  const text = await readFile(
    join(ROOT, "node_modules/mixpanel-import/package.json"),
    "utf8",
  );
  return (JSON.parse(text) as { version: string }).version;
}

async function main() {
  const rows = numbers(option("rows", "1000000"))[0]!;
  const reps = numbers(option("reps", "3"))[0]!;
  const wanted = option("scenarios", ALL.join(",")).split(",");
  const unknown = wanted.filter((s) => !ALL.includes(s));
  if (unknown.length) {
    throw new Error(`unknown scenarios ${unknown.join(", ")}; use ${ALL}`);
  }
  const scaleSizes = numbers(option("scaling", "100000,5000000"));
  const gridRows = numbers(option("grid-rows", "100000"))[0]!;
  const gridReps = numbers(option("grid-reps", "2"))[0]!;
  const log = (line: string) => process.stdout.write(`${line}\n`);

  const server = await benchServer();
  const biggest = Math.max(
    rows,
    ...(wanted.includes("scaling") ? scaleSizes : []),
  );
  const sourceUrl = await ensureDatabase(
    server,
    "bf_perf",
    process.argv.includes("--fresh-seed"),
  );
  const metaUrl = await ensureDatabase(server, "bf_perf_meta", true);
  log(`seeding (reused when it matches) on ${server.describe}…`);
  const sizes = await ensureSeed(
    sourceUrl,
    { ...DEFAULT_SIZES, events: Math.max(biggest, DEFAULT_SIZES.events) },
    log,
  );

  const meter = await PgCpuMeter.open(server.url, ["bf_perf", "bf_perf_meta"]);
  const emulator = await startBenchEmulator(ROOT);
  const ctx: BenchContext = {
    servers: { sourceUrl, metaUrl },
    sizes,
    emulator,
    meter,
    rows,
    reps,
    log,
  };
  const started = new Date();
  const header =
    `backflow benchmark, ${started.toISOString()}: ${cpus().length} CPUs, ` +
    `load average ${await loadAverage()} at start, node ${process.version}, ` +
    `${server.describe}, mixpanel-import ${await peerVersion()}; ` +
    `${reps} repetitions, medians (min–max)`;
  log(header);

  const results: ScenarioResult[] = [];
  try {
    log("warming up (compile cache, metadata store)…");
    await warmUp(ctx);
    const steps: Record<string, () => Promise<ScenarioResult>> = {
      help: () => helpTime(ctx),
      grid: () => grid(ctx, gridRows, gridReps),
      events: () => events(ctx),
      scaling: () => scaling(ctx, scaleSizes),
      latency: () => latency(ctx),
      "rate-limited": () => rateLimited(ctx),
      faults: () => faults(ctx),
      dense: () => dense(ctx),
      profiles: () => profiles(ctx),
      incremental: () => incremental(ctx),
    };
    for (const name of ALL.filter((s) => wanted.includes(s))) {
      log(`\n== ${name} ==`);
      const result = await steps[name]!();
      results.push(result);
      if (result.runs.length) log(scenarioTable(result));
      if (Object.keys(result.notes).length) {
        log(`notes: ${JSON.stringify(result.notes)}`);
      }
    }
  } finally {
    await emulator.stop();
    await meter.close();
    await server.stop();
  }

  log(`\n== targets (issue 9) ==\n${header}`);
  log(targetTable(targets(results, rows)));
  const dir = join(ROOT, ".backflow", "bench");
  await mkdir(dir, { recursive: true });
  const file = join(
    dir,
    `perf-${started.toISOString().replace(/:/g, "-")}.json`,
  );
  await writeFile(
    file,
    JSON.stringify({ header, rows, reps, sizes, results }, null, 2),
  );
  log(`\nresults: ${file}`);
}

await main();
