/**
 * Benchmark: user profiles by difference at 1,000,000 profiles.
 *
 * Fills a scratch warehouse with N users (default 1,000,000), then runs
 * the `users` profile task three times, each in a fresh child process so
 * that its peak RSS is its own:
 *   1. first sync (every profile sent),
 *   2. re-sync with nothing changed (nothing sent),
 *   3. re-sync after 1 % of the users changed (exactly N/100 updates).
 * Mixpanel is a `backflow emulator --timing` process (it counts records
 * and stores nothing, so it costs the benchmark little); the metadata
 * store is a scratch database on the same server.
 *
 *   BACKFLOW_BENCH_DATABASE_URL=postgres://… node --import tsx \
 *     test/bench/profile-sync.ts [--rows 1000000]
 *
 * (BACKFLOW_TEST_DATABASE_URL is used when the BENCH variable is unset.)
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { dag, mixpanel, postgres } from "../../core/index.ts";
import { runDag } from "../../core/runner/run-dag.ts";
import { StoreRecorder } from "../../core/runner/store-recorder.ts";
import { openStore } from "../../core/store/index.ts";
import { storeSyncState } from "../../core/sync/task-state.ts";
import { startEmulatorProcess } from "../helpers/cli.ts";

const exec = promisify(execFile);
const args = process.argv.slice(2);
const TOKEN = "bench-token";

function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

interface Config {
  sourceUrl: string;
  storeUrl: string;
  emulatorUrl: string;
}

interface Reading {
  seconds: number;
  /** CPU seconds of the runner process (user + system). */
  cpuSeconds: number;
  rowsRead: number;
  sent: number;
  state: string;
  peakRssMb: number;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  plan: string | null;
  score: number;
  country: string;
  created: string;
}

// Child mode: one run of the profile task.
async function child(config: Config) {
  const warehouse = postgres("bench", { url: config.sourceUrl });
  const product = mixpanel("product", {
    token: TOKEN,
    apiUrl: config.emulatorUrl,
  });
  const bench = dag("bench", {}, (d) => {
    d.userProfiles("users", {
      from: warehouse.query<UserRow>`
        select id, email, name, plan, score, country, created from users`,
      to: product,
      userId: "id",
      properties: {
        $email: "email",
        $name: "name",
        plan: "plan",
        score: "score",
        country: "country",
        $created: "created",
      },
    });
  });
  const store = await openStore({ databaseUrl: config.storeUrl });
  const started = process.hrtime.bigint();
  const summary = await runDag(bench, {
    recorder: new StoreRecorder(store),
    syncState: storeSyncState(store.sync),
    clientOptions: { concurrency: 8, profiles: { maxRecords: 2000 } },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await store.close();
  const task = summary.tasks[0]!;
  const usage = process.resourceUsage();
  const reading: Reading = {
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    rowsRead: task.rowsRead,
    sent: task.recordsSent,
    state: task.state + (task.error ? `: ${task.error}` : ""),
    peakRssMb: usage.maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(reading));
}

async function admin(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function phase(config: Config): Promise<Reading> {
  const { stdout } = await exec(
    process.execPath,
    ["--import", "tsx", new URL(import.meta.url).pathname, "--child"],
    {
      env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout) as Reading;
}

async function main() {
  const serverUrl =
    process.env.BACKFLOW_BENCH_DATABASE_URL ??
    process.env.BACKFLOW_TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error("set BACKFLOW_BENCH_DATABASE_URL to a PostgreSQL server");
  }
  const rows = flag("--rows", 1_000_000);
  const suffix = randomBytes(4).toString("hex");
  const source = `bf_bench_src_${suffix}`;
  const meta = `bf_bench_meta_${suffix}`;
  await admin(serverUrl, `create database ${source}`);
  await admin(serverUrl, `create database ${meta}`);
  const emulator = await startEmulatorProcess(["--token", TOKEN, "--timing"]);
  const config: Config = {
    sourceUrl: withDatabase(serverUrl, source),
    storeUrl: withDatabase(serverUrl, meta),
    emulatorUrl: emulator.url,
  };
  const records = async () => {
    const log = await emulator.get<Array<{ path: string; records: number }>>(
      "/_emulator/requests",
    );
    return log
      .filter((r) => r.path === "/engage")
      .reduce((n, r) => n + r.records, 0);
  };

  try {
    process.stdout.write(`filling ${rows} users… `);
    await admin(
      config.sourceUrl,
      `create table users as
       select 'user-' || g as id, 'user' || g || '@example.com' as email,
              'User Number ' || g as name,
              case when g % 7 = 0 then null else 'plan-' || (g % 5) end
                as plan,
              (g::int8 * 7919 % 1000)::int as score,
              (array['DE','FR','US','JP','BR'])[1 + g % 5] as country,
              date '2020-01-01' + (g % 1500) as created
         from generate_series(1, ${rows}) as g;
       alter table users add primary key (id);
       analyze users`,
    );
    process.stdout.write("done\n\n");

    const results: Array<[string, Reading, number]> = [];
    let before = 0;
    const measure = async (label: string) => {
      const reading = await phase(config);
      const total = await records();
      results.push([label, reading, total - before]);
      before = total;
    };

    await measure("first sync");
    await measure("no-change re-sync");
    const changed = Math.floor(rows / 100);
    await admin(
      config.sourceUrl,
      `update users set score = score + 1
        where id in (select 'user-' || g from generate_series(1, ${rows},
                     ${Math.floor(rows / changed)}) as g limit ${changed})`,
    );
    await measure(`1 %-changed re-sync (${changed} changed)`);

    const line = (cells: string[]) =>
      cells[0]!.padEnd(36) +
      cells
        .slice(1)
        .map((c) => c.padStart(12))
        .join("");
    console.log(
      line([
        "phase",
        "seconds",
        "CPU s",
        "rows/s",
        "sent",
        "emulator",
        "peak RSS MB",
      ]),
    );
    for (const [label, r, received] of results) {
      console.log(
        line([
          label,
          r.seconds.toFixed(1),
          r.cpuSeconds.toFixed(1),
          Math.round(r.rowsRead / r.seconds).toLocaleString("en"),
          r.sent.toLocaleString("en"),
          received.toLocaleString("en"),
          r.peakRssMb.toFixed(0),
        ]),
      );
      if (!r.state.startsWith("success")) console.log(`  ${r.state}`);
    }
    const last = results[2]![1];
    if (last.sent !== changed || results[2]![2] !== changed) {
      console.log(`\nexpected exactly ${changed} updates in the last phase`);
      process.exitCode = 1;
    }
  } finally {
    await emulator.stop();
    await admin(serverUrl, `drop database if exists ${source} with (force)`);
    await admin(serverUrl, `drop database if exists ${meta} with (force)`);
  }
}

if (args.includes("--child")) {
  await child(JSON.parse(process.env.BENCH_CONFIG!) as Config);
} else {
  await main();
}
