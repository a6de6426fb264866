/**
 * The distributed executor with real processes: two `backflow scheduler`s
 * in distributed mode and three `backflow worker`s on one metadata store,
 * a DAG of six independent event tasks on a 4-second schedule, and an
 * emulator that answers each request after 200 ms. One worker is killed
 * with SIGKILL while a task of its has sent part of its batches.
 *
 * Every interval must run once, every task once per interval (those the
 * killed worker ran: a lost try, then one success on another worker that
 * resumes from the checkpoint), the emulator must hold each row's event
 * exactly once, all three workers must have run tasks, and no more tasks
 * of the one Mixpanel connection may run at once than its cap, over all
 * workers.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import pg from "pg";

import { listWorkers } from "../../core/executor/worker-registry.ts";
import { startEmulatorProcess, type EmulatorProcess } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  CORE,
  createProject,
  sleep,
  spawnBackflow,
  type Project,
  type SchedulerProcess,
} from "../scheduler/process-harness.ts";

const TOKEN = "distributed-token";
const PARTS = 6;
/** Tasks of the one Mixpanel connection at once, over all workers. */
const CAP = 3;
const EVENTS_PER_REQUEST = 4;
/** Tasks one worker runs at once. */
const WORKER_SLOTS = 2;
/** One row per part every ROW_MS: 16 per interval, four requests. */
const ROW_MS = 250;

const FANOUT = `
import { dag, env, mixpanel, postgres } from ${JSON.stringify(CORE)};

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  apiUrl: env("MIXPANEL_API_URL"),
});

interface Click { id: string; user_id: string; ts: Date }

export default dag(
  "fanout",
  { schedule: "*/4 * * * * *", maxActiveTasks: ${PARTS} },
  (d) => {
    for (let part = 0; part < ${PARTS}; part++) {
      d.events(\`part\${part}\`, {
        from: warehouse.query<Click>\`
          select id, user_id, ts from clicks
           where part = \${part}
             and ts >= \${d.interval.start} and ts < \${d.interval.end}\`,
        to: product,
        event: "Click",
        insertId: "id",
        userId: "user_id",
        time: "ts",
      });
    }
  },
);
`;

interface Try {
  runId: number;
  taskId: string;
  tryNumber: number;
  state: string;
  worker: string;
  startedAt: Date;
  endedAt: Date;
}

/** Most tries running at one instant (each shortened by `slackMs`). */
function mostAtOnce(tries: readonly Try[], slackMs: number): number {
  const edges = tries.flatMap((t) => [
    { at: t.startedAt.getTime() + slackMs, step: 1 },
    { at: t.endedAt.getTime() - slackMs, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let now = 0;
  let most = 0;
  for (const edge of edges) {
    now += edge.step;
    most = Math.max(most, now);
  }
  return most;
}

describe("two schedulers and three workers on one store", () => {
  let db: TestDatabase;
  let project: Project;
  let emulator: EmulatorProcess;
  let pool: pg.Pool;
  let schedulers: SchedulerProcess[] = [];
  let workers: SchedulerProcess[] = [];
  let victim: { runId: number; taskId: string; worker: string };
  let exits: { code: number | null; signal: NodeJS.Signals | null }[];

  before(async () => {
    db = await createTestDatabase("bf_distributed");
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await pool.query(`create table clicks (
      id text primary key, part int not null, user_id text not null,
      ts timestamptz not null)`);
    // Rows from a minute ago to two minutes ahead, whatever the start-up.
    await pool.query(
      `insert into clicks
       select 'c' || p || '-' || n, p, 'u' || (n % 7),
              now() - interval '60 seconds' + n * $1::int * interval '1 ms'
         from generate_series(0, ${PARTS - 1}) p,
              generate_series(0, 180000 / $1::int) n`,
      [ROW_MS],
    );
    emulator = await startEmulatorProcess([
      "--token",
      TOKEN,
      "--latency",
      "200",
    ]);
    project = await createProject({
      BACKFLOW_DATABASE_URL: db.url,
      BACKFLOW_EXECUTOR: "distributed",
      WAREHOUSE_URL: db.url,
      MIXPANEL_TOKEN: TOKEN,
      MIXPANEL_API_URL: emulator.url,
      BACKFLOW_EVENTS_PER_REQUEST: String(EVENTS_PER_REQUEST),
      BACKFLOW_MIXPANEL_CONCURRENCY: "1",
      BACKFLOW_RETRY_BASE_MS: "20",
    });
    await project.write("fanout.ts", FANOUT);
    // One type-check fills the cache that the five processes then share.
    const checked = await project.cli(["check"]);
    assert.equal(checked.code, 0, checked.stderr);

    const lease = ["--heartbeat-ms", "300", "--max-tasks-per-connection"];
    schedulers = [0, 1].map(() =>
      spawnBackflow(project, "scheduler", [
        ...lease,
        String(CAP),
        "--heartbeat-timeout-ms",
        "2500",
      ]),
    );
    workers = [0, 1, 2].map(() =>
      spawnBackflow(project, "worker", [
        ...lease,
        String(CAP),
        "--concurrency",
        String(WORKER_SLOTS),
        "--worker-timeout-ms",
        "2500",
      ]),
    );
    await Promise.all([
      ...schedulers.map((p) =>
        p.waitFor(/scheduler \S+ started .*distributed/),
      ),
      ...workers.map((p) => p.waitFor(/worker \S+ started/)),
    ]);

    // Kill a worker once a task of its has acknowledged batches, not all.
    for (let i = 0; !victim && i < 600; i += 1) {
      const { rows } = await pool.query<{
        runId: number;
        taskId: string;
        worker: string;
      }>(
        `select run_id::int as "runId", task_id as "taskId", worker
           from task_instances
          where state = 'running' and records_sent between 1 and 12
          limit 1`,
      );
      if (rows[0]) victim = rows[0];
      else await sleep(25);
    }
    assert.ok(victim, "no task was caught mid-way");
    const pid = Number(victim.worker.split(":").at(-2));
    const killed = workers.find((w) => w.child.pid === pid);
    assert.ok(killed, `no worker process with pid ${pid}`);
    killed.kill("SIGKILL");

    // The killed task comes back on another worker and ends; then three
    // more intervals run on the two workers left.
    const done = async (sql: string, values: unknown[] = []) =>
      (await pool.query<{ ok: boolean }>(sql, values)).rows[0]?.ok === true;
    for (let i = 0; i < 1200; i += 1) {
      const back = await done(
        `select state = 'success' as ok from task_instances
          where run_id = $1 and task_id = $2`,
        [victim.runId, victim.taskId],
      );
      const later = await done(
        `select count(*) >= 3 as ok from dag_runs
          where dag_id = 'fanout' and state = 'success' and id > $1`,
        [victim.runId],
      );
      if (back && later) break;
      await sleep(50);
    }
    // Paused, the DAG starts no more tasks; those running finish.
    const paused = await project.cli(["pause", "fanout"]);
    assert.equal(paused.code, 0, paused.stderr);
    for (let i = 0; i < 600; i += 1) {
      if (
        await done(
          `select count(*) = 0 as ok from task_instances
            where state = 'running'`,
        )
      ) {
        break;
      }
      await sleep(50);
    }
    const alive = [...schedulers, ...workers.filter((w) => w !== killed)];
    for (const p of alive) p.kill("SIGTERM");
    exits = await Promise.all(alive.map((p) => p.exited));
  });

  after(async () => {
    for (const p of [...schedulers, ...workers]) {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.kill("SIGKILL");
      }
    }
    await pool?.end();
    await emulator?.stop();
    await project?.remove();
    await db?.drop();
  });

  const runs = async () =>
    (
      await pool.query<{ id: number; start: Date; end: Date; state: string }>(
        `select id::int, data_interval_start as start,
                data_interval_end as "end", state
           from dag_runs where dag_id = 'fanout' order by start`,
      )
    ).rows;

  const tries = async () =>
    (
      await pool.query<Try>(
        `select run_id::int as "runId", task_id as "taskId",
                try_number as "tryNumber", state, worker,
                started_at as "startedAt", ended_at as "endedAt"
           from task_tries order by started_at`,
      )
    ).rows;

  test("every interval ran once, each after the last, and succeeded", async () => {
    const all = await runs();
    assert.ok(all.length >= 4, `only ${all.length} runs`);
    // The pause may have caught the last one half-way.
    if (all.at(-1)!.state === "running") all.pop();
    for (let i = 1; i < all.length; i += 1) {
      assert.equal(
        all[i]!.start.getTime(),
        all[i - 1]!.end.getTime(),
        `a gap or an overlap before run ${all[i]!.id}`,
      );
    }
    assert.deepEqual(
      all.filter((r) => r.state !== "success"),
      [],
    );
  });

  test("every task ran once per interval; the killed ones once more, elsewhere", async () => {
    const all = await tries();
    const byInstance = new Map<string, Try[]>();
    for (const t of all) {
      const key = `${t.runId}/${t.taskId}`;
      byInstance.set(key, [...(byInstance.get(key) ?? []), t]);
    }
    const finished = (await runs()).filter((r) => r.state === "success");
    for (const run of finished) {
      for (let part = 0; part < PARTS; part += 1) {
        assert.ok(byInstance.has(`${run.id}/part${part}`));
      }
    }
    // The victim, and any other task the killed worker ran at the time.
    const retried: string[] = [];
    for (const [key, list] of byInstance) {
      const states = list.map((t) => t.state);
      if (list[0]!.worker === victim.worker && states[0] === "lost") {
        retried.push(key);
        assert.deepEqual(states, ["lost", "success"], key);
        assert.notEqual(list[1]!.worker, victim.worker);
      } else {
        assert.deepEqual(states, ["success"], key);
      }
    }
    assert.ok(retried.includes(`${victim.runId}/${victim.taskId}`));
    assert.ok(retried.length <= WORKER_SLOTS, retried.join(", "));
  });

  test("the emulator holds each row's event exactly once", async () => {
    const { rows } = await pool.query<{ n: number }>(
      `select count(*)::int as n
         from task_instances t
         join dag_runs r on r.id = t.run_id
         join clicks c on 'part' || c.part = t.task_id
          and c.ts >= r.data_interval_start and c.ts < r.data_interval_end
        where r.dag_id = 'fanout' and t.state = 'success'`,
    );
    const unfinished = await pool.query(
      `select 1 from task_instances where state not in ('success', 'queued')`,
    );
    assert.equal(unfinished.rowCount, 0);
    const stats = await emulator.get<{ events: number; duplicates: number }>(
      "/_emulator/stats",
    );
    assert.equal(stats.events, rows[0]!.n);
    // Only what was in flight at the kill may have been sent again: one
    // request of each task the worker ran.
    assert.ok(
      stats.duplicates <= WORKER_SLOTS * EVENTS_PER_REQUEST,
      `${stats.duplicates} duplicates`,
    );
  });

  test("the work spread over the three workers", async () => {
    const perWorker = new Map<string, number>();
    for (const t of await tries()) {
      perWorker.set(t.worker, (perWorker.get(t.worker) ?? 0) + 1);
    }
    assert.equal(perWorker.size, 3, [...perWorker.keys()].join(", "));
  });

  test("the connection's cap held across the workers, and was reached", async () => {
    // A lost try "ends" when another process notices its worker died,
    // long after the killed process stopped sending: it is left out.
    const all = (await tries()).filter((t) => t.state !== "lost");
    // Times come from three processes' reading of the database's clock:
    // each try is shortened by a margin for their disagreement.
    assert.equal(mostAtOnce(all, 30), CAP);
  });

  test("the killed worker is marked lost; the others stopped cleanly", async () => {
    assert.deepEqual(
      exits.map((e) => e.code),
      exits.map(() => 0),
    );
    const known = await listWorkers(pool);
    const states = new Map(known.map((w) => [w.workerId, w.state]));
    assert.equal(states.get(victim.worker), "lost");
    // Its job was released (not left locked for the queue's hours-long
    // expiry), ran again, found its try taken back, and was dropped.
    const held = await pool.query(
      `select id from graphile_worker.jobs where locked_at is not null`,
    );
    assert.equal(held.rowCount, 0);
    assert.equal(
      known.filter((w) => w.state === "stopped").length,
      2,
      JSON.stringify(known),
    );
  });
});
