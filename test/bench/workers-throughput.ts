/**
 * Benchmark: task throughput of the distributed executor with 1, 2 and 4
 * `backflow worker` processes (and the local executor for reference), on
 * 50 small DAGs triggered at once.
 *
 * Each DAG sends two event tasks of ROWS rows to a Mixpanel project of its
 * own (one connection each, so no connection cap binds) and then runs a
 * no-op task after both: 150 task instances per round. Mixpanel is a
 * `backflow emulator` answering each request after LATENCY ms, so a task
 * spends its time as real syncs do, mostly waiting on the network. Each
 * round gets a fresh metadata store, one `backflow scheduler` (distributed,
 * or local with the same total task slots as one worker) and its workers;
 * the clock starts once all 50 runs are queued and stops when all have
 * succeeded.
 *
 *   BACKFLOW_BENCH_DATABASE_URL=postgres://… node --import tsx \
 *     test/bench/workers-throughput.ts [--workers 1,2,4] [--concurrency 4]
 *     [--dags 50] [--rows 200] [--latency 100]
 *
 * (BACKFLOW_TEST_DATABASE_URL is used when the BENCH variable is unset.)
 */
import { performance } from "node:perf_hooks";

import pg from "pg";

import { triggerRun } from "../../core/scheduler/backfill.ts";
import { startEmulatorProcess } from "../helpers/cli.ts";
import { createTestDatabase } from "../helpers/database.ts";
import {
  CORE,
  createProject,
  sleep,
  spawnBackflow,
  type SchedulerProcess,
} from "../scheduler/process-harness.ts";

const args = process.argv.slice(2);
function flag(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : fallback;
}
const WORKERS = flag("--workers", "1,2,4").split(",").map(Number);
const CONCURRENCY = Number(flag("--concurrency", "4"));
const DAGS = Number(flag("--dags", "50"));
const ROWS = Number(flag("--rows", "200"));
const LATENCY = Number(flag("--latency", "100"));
const PER_REQUEST = 50;
const TOKEN = "bench-token";
const TASKS = DAGS * 3;

if (process.env.BACKFLOW_BENCH_DATABASE_URL) {
  process.env.BACKFLOW_TEST_DATABASE_URL =
    process.env.BACKFLOW_BENCH_DATABASE_URL;
}

const pipeline = `
import { dag, env, mixpanel, postgres } from ${JSON.stringify(CORE)};

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });

interface Row { id: string; user_id: string; ts: Date }

function small(n: number) {
  const product = mixpanel(\`product_\${n}\`, {
    token: env("MIXPANEL_TOKEN"),
    apiUrl: env("MIXPANEL_API_URL"),
  });
  return dag(\`small_\${n}\`, {}, (d) => {
    const sends = [0, 1].map((part) =>
      d.events(\`events_\${part}\`, {
        from: warehouse.query<Row>\`
          select id, user_id, ts from source
           where dag = \${n} and part = \${part}\`,
        to: product,
        event: "Bench",
        insertId: "id",
        userId: "user_id",
        time: "ts",
      }),
    );
    d.task("done", () => {}).after(...sends);
  });
}

${Array.from({ length: DAGS }, (_, n) => `export const small_${n} = small(${n});`).join("\n")}
`;

interface Round {
  label: string;
  seconds: number;
}

async function round(
  label: string,
  executor: "local" | "distributed",
  workers: number,
): Promise<Round> {
  const db = await createTestDatabase("bf_bench_workers");
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const emulator = await startEmulatorProcess([
    "--token",
    TOKEN,
    "--latency",
    String(LATENCY),
  ]);
  const project = await createProject({
    BACKFLOW_DATABASE_URL: db.url,
    BACKFLOW_EXECUTOR: executor,
    WAREHOUSE_URL: db.url,
    MIXPANEL_TOKEN: TOKEN,
    MIXPANEL_API_URL: emulator.url,
    BACKFLOW_EVENTS_PER_REQUEST: String(PER_REQUEST),
    BACKFLOW_MIXPANEL_CONCURRENCY: "1",
  });
  const processes: SchedulerProcess[] = [];
  try {
    await pool.query(`create table source (dag int, part int, id text,
      user_id text, ts timestamptz)`);
    await pool.query(
      `insert into source
       select d, p, d || '-' || p || '-' || n, 'u' || (n % 50),
              now() - interval '1 hour' + n * interval '1 second'
         from generate_series(0, $1::int - 1) d,
              generate_series(0, 1) p, generate_series(1, $2::int) n`,
      [DAGS, ROWS],
    );
    await project.write("small.ts", pipeline);
    const checked = await project.cli(["check"]);
    if (checked.code !== 0) throw new Error(checked.stderr);

    const caps = ["--max-tasks-per-connection", "4"];
    processes.push(
      spawnBackflow(project, "scheduler", [
        ...caps,
        "--max-tasks",
        String(CONCURRENCY),
      ]),
    );
    for (let i = 0; i < workers; i += 1) {
      processes.push(
        spawnBackflow(project, "worker", [
          ...caps,
          "--concurrency",
          String(CONCURRENCY),
        ]),
      );
    }
    await Promise.all(
      processes.map((p) =>
        p.waitFor(/(scheduler|worker) \S+ started/, 120_000),
      ),
    );
    // The scheduler publishes the DAGs once compiled; runs need them known.
    for (let i = 0; i < 400; i += 1) {
      const { rows } = await pool.query<{ n: number }>(
        "select count(*)::int as n from dags",
      );
      if (rows[0]!.n >= DAGS) break;
      await sleep(50);
    }

    const began = performance.now();
    for (let n = 0; n < DAGS; n += 1) {
      await triggerRun(pool, `small_${n}`, undefined, new Date());
    }
    for (;;) {
      const { rows } = await pool.query<{ n: number; failed: number }>(
        `select count(*) filter (where state = 'success')::int as n,
                count(*) filter (where state = 'failed')::int as failed
           from dag_runs`,
      );
      if (rows[0]!.failed > 0) throw new Error(`${label}: a run failed`);
      if (rows[0]!.n >= DAGS) break;
      await sleep(20);
    }
    const seconds = (performance.now() - began) / 1000;
    const stats = await emulator.get<{ events: number }>("/_emulator/stats");
    if (stats.events !== DAGS * 2 * ROWS) {
      throw new Error(`${label}: ${stats.events} events stored`);
    }
    return { label, seconds };
  } finally {
    for (const p of processes) p.kill("SIGTERM");
    await Promise.all(processes.map((p) => p.exited));
    await pool.end();
    await emulator.stop();
    await project.remove();
    await db.drop();
  }
}

const rounds: Round[] = [];
rounds.push(
  await round(`local (1 scheduler, ${CONCURRENCY} tasks)`, "local", 0),
);
for (const n of WORKERS) {
  rounds.push(
    await round(
      `distributed, ${n} worker(s) × ${CONCURRENCY}`,
      "distributed",
      n,
    ),
  );
}

console.log(
  `${DAGS} DAGs × 3 tasks (2 × ${ROWS} events, ${PER_REQUEST} per request, ` +
    `${LATENCY} ms latency per request)`,
);
for (const r of rounds) {
  console.log(
    `${r.label.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s  ` +
      `${(TASKS / r.seconds).toFixed(1).padStart(6)} tasks/s  ` +
      `${((DAGS * 2 * ROWS) / r.seconds).toFixed(0).padStart(7)} events/s`,
  );
}
