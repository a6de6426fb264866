/**
 * Benchmark: does streaming a big table cost more memory than a small one?
 *
 * Creates a 5,000,000-row and a 10,000-row table (about 100 bytes a row) in
 * a scratch database, streams each through `PostgresSource` in a fresh child
 * process, and prints rows/s and the child's peak RSS. Bounded memory means
 * the two peaks are close.
 *
 *   BACKFLOW_BENCH_DATABASE_URL=postgres://… node --import tsx \
 *     test/bench/source-memory.ts [--rows 5000000] [--batch 5000]
 *
 * (BACKFLOW_TEST_DATABASE_URL is used when the BENCH variable is unset.)
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { sql } from "../../core/source/sql.ts";

const run = promisify(execFile);
const args = process.argv.slice(2);

function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

interface Reading {
  rows: number;
  seconds: number;
  peakRssMb: number;
}

// Child mode: stream one table and report.
async function read(url: string, table: string, batchSize: number) {
  const source = new PostgresSource({ name: "bench", url });
  const started = process.hrtime.bigint();
  let rows = 0;
  let checksum = 0;
  const query = Object.freeze({
    text: `select id, payload, created_at, amount from ${table}`,
    values: [],
  });
  for await (const batch of source.stream(query, { batchSize })) {
    rows += batch.length;
    checksum += (batch[0] as { id: number }).id;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await source.close();
  void checksum;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const reading: Reading = { rows, seconds, peakRssMb };
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

async function main() {
  const serverUrl =
    process.env.BACKFLOW_BENCH_DATABASE_URL ??
    process.env.BACKFLOW_TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error("set BACKFLOW_BENCH_DATABASE_URL to a PostgreSQL server");
  }
  const bigRows = flag("--rows", 5_000_000);
  const batch = flag("--batch", 5000);
  const name = `bf_bench_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;

  try {
    const setup = new PostgresSource({
      name: "setup",
      url: url.toString(),
      statementTimeoutMs: 30 * 60_000,
    });
    for (const [table, count] of [
      ["big", bigRows],
      ["small", 10_000],
    ] as const) {
      const started = Date.now();
      await setup.execute(sql`
        create unlogged table ${raw(table)} as
        select g::int8 as id,
               md5(g::text) || md5((g * 7)::text) as payload,
               timestamp '2024-01-01' + g * interval '1 second' as created_at,
               round((g % 100000)::numeric / 7, 2) as amount
          from generate_series(1, ${count}::int) g`);
      console.log(
        `created ${table}: ${count} rows in ${Date.now() - started} ms`,
      );
    }
    await setup.close();

    for (const table of ["small", "big"]) {
      const { stdout } = await run(
        process.execPath,
        [
          "--import",
          "tsx",
          import.meta.filename,
          "--read",
          url.toString(),
          table,
          String(batch),
        ],
        { maxBuffer: 1 << 20 },
      );
      const r = JSON.parse(stdout) as Reading;
      console.log(
        `${table.padEnd(5)} ${String(r.rows).padStart(9)} rows  ` +
          `${(r.rows / r.seconds).toFixed(0).padStart(8)} rows/s  ` +
          `${r.seconds.toFixed(2)} s  peak RSS ${r.peakRssMb.toFixed(1)} MB`,
      );
    }
  } finally {
    await admin(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

function raw(identifier: string) {
  return Object.freeze({ text: identifier, values: [] });
}

if (args[0] === "--read") {
  await read(args[1] ?? "", args[2] ?? "", Number(args[3]));
} else {
  await main();
}
