/**
 * The scheduling commands as a user runs them: backfill (dry and real),
 * trigger, pause, unpause, cancel and runs, against a real store.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import pg from "pg";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { CORE, createProject, type Project } from "./process-harness.ts";

const DAILY = `
import { dag } from ${JSON.stringify(CORE)};

export default dag("daily", { schedule: "0 0 * * *", timezone: "Europe/Berlin" }, (d) => {
  d.task("work", () => {});
});
`;

interface RunJson {
  id: number;
  runType: string;
  state: string;
  dataInterval: { start: string; end: string };
}

describe("scheduling commands", () => {
  let db: TestDatabase;
  let project: Project;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase("bf_sched_cli");
    project = await createProject({ BACKFLOW_DATABASE_URL: db.url });
    await project.write("daily.ts", DAILY);
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });

  after(async () => {
    await pool?.end();
    await project?.remove();
    await db?.drop();
  });

  const runs = async (): Promise<RunJson[]> => {
    const listed = await project.cli(["runs", "daily", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    return JSON.parse(listed.stdout) as RunJson[];
  };

  test("backfill --dry-run lists the intervals, read in the DAG's zone, and creates nothing", async () => {
    const dry = await project.cli([
      "backfill",
      "daily",
      "--from",
      "2024-01-01",
      "--to",
      "2024-01-04",
      "--dry-run",
    ]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.stdout.trim().split("\n"), [
      "2023-12-31T23:00:00.000Z → 2024-01-01T23:00:00.000Z  would be queued",
      "2024-01-01T23:00:00.000Z → 2024-01-02T23:00:00.000Z  would be queued",
      "2024-01-02T23:00:00.000Z → 2024-01-03T23:00:00.000Z  would be queued",
      "3 interval(s); 3 would be queued (dry run: nothing created)",
    ]);
    const count = await pool.query("select count(*)::int as n from dag_runs");
    assert.equal(count.rows[0].n, 0);
  });

  test("backfill queues a run per interval, and a second backfill repeats none", async () => {
    const args = [
      "backfill",
      "daily",
      "--from",
      "2024-01-01",
      "--to",
      "2024-01-04",
    ];
    const first = await project.cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /3 run\(s\) queued, 0 interval\(s\) already had one/,
    );
    const second = await project.cli([...args, "--json"]);
    const out = JSON.parse(second.stdout) as {
      created: number[];
      intervals: { existingRun: { runType: string } | null }[];
    };
    assert.deepEqual(out.created, []);
    assert.ok(
      out.intervals.every((i) => i.existingRun?.runType === "backfill"),
    );

    const listed = await runs();
    assert.deepEqual(
      listed.map((r) => [r.runType, r.state, r.dataInterval.start]),
      [
        ["backfill", "queued", "2024-01-02T23:00:00.000Z"],
        ["backfill", "queued", "2024-01-01T23:00:00.000Z"],
        ["backfill", "queued", "2023-12-31T23:00:00.000Z"],
      ],
    );
  });

  test("trigger queues a manual run of the latest complete interval", async () => {
    const triggered = await project.cli(["trigger", "daily"]);
    assert.equal(triggered.code, 0, triggered.stderr);
    assert.match(triggered.stdout, /^queued manual run \d+ of daily/);
    const manual = await pool.query<{ end: Date }>(
      `select data_interval_end as end from dag_runs where run_type = 'manual'`,
    );
    assert.equal(manual.rowCount, 1);
    const end = manual.rows[0]!.end.getTime();
    assert.ok(end <= Date.now() && Date.now() - end < 86_400_000 + 3_600_000);
  });

  test("pause and unpause persist; an unknown DAG or a bad date is refused", async () => {
    const paused = await project.cli(["pause", "daily"]);
    assert.equal(paused.stdout, "paused daily\n");
    const flag = await pool.query("select is_paused from dags");
    assert.deepEqual(flag.rows, [{ is_paused: true }]);
    const unpaused = await project.cli(["unpause", "daily"]);
    assert.equal(unpaused.stdout, "unpaused daily\n");

    const unknown = await project.cli(["pause", "nightly"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no DAG "nightly" .*DAGs found: daily/);

    const bad = await project.cli([
      "backfill",
      "daily",
      "--from",
      "last week",
      "--to",
      "2024-01-04",
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--from "last week" is not a date/);
  });

  test("cancel ends the queued runs and names them; an ended run or unknown DAG is refused", async () => {
    const queued = (await runs()).filter((r) => r.state === "queued");
    assert.equal(queued.length, 4);

    const cancelled = await project.cli(["cancel", "daily"]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    const ids = queued.map((r) => r.id).sort((a, b) => a - b);
    assert.deepEqual(
      cancelled.stdout
        .trim()
        .split("\n")
        .map(
          (line) => /^cancelled queued run (\d+) of daily \(/.exec(line)?.[1],
        ),
      ids.map(String),
    );
    assert.ok((await runs()).every((r) => r.state === "cancelled"));

    const again = await project.cli(["cancel", "daily", "--run", `${ids[0]}`]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`run ${ids[0]} of DAG "daily" already ended \\(cancelled\\)`),
    );
    const none = await project.cli(["cancel", "daily"]);
    assert.equal(none.stdout, "no queued or running run of daily\n");
    const unknown = await project.cli(["cancel", "nightly"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no DAG "nightly" .*DAGs found: daily/);
  });
});
