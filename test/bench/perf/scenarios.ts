/**
 * The benchmark's scenarios. Each runs its tools one at a time, rotating
 * their order from one repetition to the next, and returns every run for
 * the report.
 */
import { spawn } from "node:child_process";
import { startBenchEmulator, type BenchEmulator } from "./emulator.ts";
import { timeProcess, type PgCpuMeter } from "./measure.ts";
import { timedRun, type RunResult, type RunTarget } from "./runner.ts";
import { appendIncrements, resetIncrements, type SeedSizes } from "./seed.ts";
import { spread, type Spread } from "./stats.ts";
import {
  backflow,
  ceiling,
  mixpanelImport,
  ROOT,
  showCell,
  type PeerCell,
  type Servers,
  type ToolCommand,
} from "./tools.ts";

export interface BenchContext {
  servers: Servers;
  sizes: SeedSizes;
  emulator: BenchEmulator;
  meter: PgCpuMeter | undefined;
  rows: number;
  reps: number;
  log: (line: string) => void;
  /** The best mixpanel-import cell, once the grid has run. */
  bestCell?: PeerCell;
}

export interface ScenarioResult {
  name: string;
  runs: RunResult[];
  notes: Record<string, unknown>;
}

const EVENTS = (scenario: string, rows: number): RunTarget => ({
  scenario,
  rows,
  expected: rows,
  key: "$insert_id",
  path: "import",
  table: "events",
});

const DEFAULT_CELL: PeerCell = { workers: 25, level: 0 };

/** Runs `makers` `reps` times, rotating which goes first. */
async function alternate(
  reps: number,
  makers: Array<() => Promise<RunResult>>,
): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < makers.length; i++) {
      runs.push(await makers[(i + rep) % makers.length]!());
    }
  }
  return runs;
}

async function withEmulator<T>(
  flags: string[],
  ctx: BenchContext,
  body: (ctx: BenchContext) => Promise<T>,
): Promise<T> {
  const emulator = await startBenchEmulator(ROOT, flags);
  try {
    return await body({ ...ctx, emulator });
  } finally {
    await emulator.stop();
  }
}

const run = (ctx: BenchContext, tool: ToolCommand, target: RunTarget) =>
  timedRun(tool, target, {
    sourceUrl: ctx.servers.sourceUrl,
    emulator: ctx.emulator,
    meter: ctx.meter,
    log: ctx.log,
  });

/** A short unmeasured run that warms the compile cache and the store. */
export async function warmUp(ctx: BenchContext): Promise<void> {
  for (const task of ["events", "dense"]) {
    await run(
      ctx,
      backflow(ctx.servers, ctx.emulator.url, { task, rows: 1000 }),
      { ...EVENTS("warm-up", 1000), table: undefined },
    );
  }
}

/** mixpanel-import's fixed grid, at `rows`; the fastest cell wins. */
export async function grid(
  ctx: BenchContext,
  rows: number,
  reps: number,
): Promise<ScenarioResult> {
  const cells: PeerCell[] = [];
  for (const workers of [10, 25, 50]) {
    for (const level of [0, 1, 6]) cells.push({ workers, level });
  }
  const runs = await alternate(
    reps,
    cells.map(
      (cell) => () =>
        run(
          ctx,
          {
            ...mixpanelImport(ctx.servers, ctx.emulator.url, rows, cell),
            label: `mixpanel-import (${showCell(cell)})`,
          },
          EVENTS("grid", rows),
        ),
    ),
  );
  let best: { cell: PeerCell; rate: number } | undefined;
  for (const cell of cells) {
    const label = `mixpanel-import (${showCell(cell)})`;
    const rates = runs.filter((r) => r.tool === label && r.ok);
    const median = spread(rates.map((r) => r.rowsPerS))?.median ?? 0;
    if (!best || median > best.rate) best = { cell, rate: median };
  }
  ctx.bestCell = best?.cell ?? DEFAULT_CELL;
  return { name: "grid", runs, notes: { best: ctx.bestCell, rows } };
}

/** The headline: the events table through all three tools. */
export async function events(ctx: BenchContext): Promise<ScenarioResult> {
  const cell = ctx.bestCell ?? DEFAULT_CELL;
  const rows = ctx.rows;
  const runs = await alternate(ctx.reps, [
    () =>
      run(
        ctx,
        backflow(ctx.servers, ctx.emulator.url, { task: "events", rows }),
        EVENTS("events", rows),
      ),
    () =>
      run(
        ctx,
        mixpanelImport(ctx.servers, ctx.emulator.url, rows, cell),
        EVENTS("events", rows),
      ),
    () =>
      run(
        ctx,
        ceiling(ctx.servers, ctx.emulator.spoolDir, rows),
        EVENTS("events", rows),
      ),
  ]);
  return { name: "events", runs, notes: { cell } };
}

/** backflow at several sizes, alternating between them. */
export async function scaling(
  ctx: BenchContext,
  sizes: number[],
): Promise<ScenarioResult> {
  const runs = await alternate(
    ctx.reps,
    sizes.map(
      (rows) => () =>
        run(
          ctx,
          backflow(ctx.servers, ctx.emulator.url, { task: "events", rows }),
          EVENTS("scaling", rows),
        ),
    ),
  );
  return { name: "scaling", runs, notes: { sizes } };
}

/** 100 ms added to every request: is there enough in flight? */
export async function latency(ctx: BenchContext): Promise<ScenarioResult> {
  const cell = ctx.bestCell ?? DEFAULT_CELL;
  const rows = ctx.rows;
  const runs = await withEmulator(["--latency", "100"], ctx, (c) =>
    alternate(c.reps, [
      () =>
        run(
          c,
          backflow(c.servers, c.emulator.url, { task: "events", rows }),
          EVENTS("latency", rows),
        ),
      () =>
        run(
          c,
          mixpanelImport(c.servers, c.emulator.url, rows, cell),
          EVENTS("latency", rows),
        ),
    ]),
  );
  return { name: "latency", runs, notes: { latencyMs: 100, cell } };
}

export const RATE_CAP = 30_000;

/** A 30,000 events/s cap answering 429 beyond it. */
export async function rateLimited(ctx: BenchContext): Promise<ScenarioResult> {
  const rows = ctx.rows;
  const runs = await withEmulator(
    ["--rate-limit", String(RATE_CAP)],
    ctx,
    (c) =>
      alternate(c.reps, [
        () =>
          run(
            c,
            backflow(c.servers, c.emulator.url, {
              task: "events",
              rows,
              // The cap backflow paces below by default on Mixpanel's own
              // hosts; the emulator's URL needs it said.
              env: { BACKFLOW_MIXPANEL_RECORDS_PER_S: String(RATE_CAP) },
            }),
            EVENTS("rate-limited", rows),
          ),
      ]),
  );
  return { name: "rate-limited", runs, notes: { capPerS: RATE_CAP } };
}

/** 1 % of requests answered 5xx, 0.1 % of connections reset. */
export async function faults(ctx: BenchContext): Promise<ScenarioResult> {
  const rows = ctx.rows;
  const flags = [
    "--fault-5xx-rate",
    "0.01",
    "--reset-before-rate",
    "0.0005",
    "--reset-after-rate",
    "0.0005",
  ];
  const runs = await withEmulator(flags, ctx, (c) =>
    alternate(c.reps, [
      () =>
        run(
          c,
          backflow(c.servers, c.emulator.url, {
            task: "events",
            rows,
            // Short waits: the scenario is about completeness, not backoff.
            env: { BACKFLOW_RETRY_BASE_MS: "50", BACKFLOW_RETRY_MAX_MS: "500" },
          }),
          EVENTS("faults", rows),
        ),
    ]),
  );
  return { name: "faults", runs, notes: { flags } };
}

/** ~3 KB events: the byte cap of a request binds before 2000 events. */
export async function dense(ctx: BenchContext): Promise<ScenarioResult> {
  const cell = ctx.bestCell ?? DEFAULT_CELL;
  const rows = ctx.sizes.dense;
  const target: RunTarget = {
    ...EVENTS("dense", rows),
    table: "events_dense",
  };
  const runs = await alternate(ctx.reps, [
    () =>
      run(
        ctx,
        backflow(ctx.servers, ctx.emulator.url, { task: "dense", rows }),
        target,
      ),
    () =>
      run(
        ctx,
        mixpanelImport(
          ctx.servers,
          ctx.emulator.url,
          rows,
          cell,
          "events_dense",
        ),
        target,
      ),
  ]);
  return { name: "dense", runs, notes: { cell } };
}

/** Forgets a task's state (unmeasured), so its next run is a first sync. */
async function resetTask(ctx: BenchContext, task: string): Promise<void> {
  const tool = backflow(ctx.servers, ctx.emulator.url, { task, rows: 0 });
  const done = await timeProcess(
    [
      process.execPath,
      "cli/bin.js",
      "reset",
      "perf",
      task,
      "--pipelines",
      "test/bench/perf/pipelines",
    ],
    { env: tool.env, cwd: ROOT },
  );
  if (done.code !== 0) throw new Error(`reset ${task}: ${done.stderr}`);
}

/** First syncs of users and companies; a no-change re-sync of all users. */
export async function profiles(ctx: BenchContext): Promise<ScenarioResult> {
  const users = Math.min(200_000, ctx.sizes.users);
  const all = ctx.sizes.users;
  const companies = ctx.sizes.companies;
  const first: RunTarget = {
    scenario: "profiles: first sync",
    rows: users,
    expected: users,
    key: "$distinct_id",
    path: "engage",
    table: "users",
  };
  const groups: RunTarget = {
    scenario: "profiles: first sync",
    rows: companies,
    expected: companies,
    key: "$group_id",
    path: "groups",
    table: "companies",
  };
  const runs = await alternate(ctx.reps, [
    async () => {
      await resetTask(ctx, "users");
      return run(
        ctx,
        {
          ...backflow(ctx.servers, ctx.emulator.url, {
            task: "users",
            rows: users,
          }),
          label: "backflow users",
        },
        first,
      );
    },
    async () => {
      await resetTask(ctx, "companies");
      return run(
        ctx,
        {
          ...backflow(ctx.servers, ctx.emulator.url, {
            task: "companies",
            rows: companies,
          }),
          label: "backflow companies",
        },
        groups,
      );
    },
  ]);
  ctx.log(`  (a first sync of ${all} users, to compare against)`);
  await resetTask(ctx, "users_resync");
  const prepare = await run(
    ctx,
    {
      ...backflow(ctx.servers, ctx.emulator.url, {
        task: "users_resync",
        rows: all,
      }),
      label: "backflow users (1st of resync set)",
    },
    { ...first, scenario: "profiles: first sync", rows: all, expected: all },
  );
  const resync = await alternate(ctx.reps, [
    () =>
      run(
        ctx,
        {
          ...backflow(ctx.servers, ctx.emulator.url, {
            task: "users_resync",
            rows: all,
            sends: 0,
          }),
          label: "backflow users",
        },
        {
          ...first,
          scenario: "profiles: no-change re-sync",
          rows: all,
          expected: 0,
        },
      ),
  ]);
  return {
    name: "profiles",
    runs: [...runs, prepare, ...resync],
    notes: { users, all, companies },
  };
}

interface InProcess {
  times: number[];
  sent: number;
}

/** Twenty small incremental runs: what each run costs besides its rows. */
export async function incremental(
  ctx: BenchContext,
  count = 20,
  added = 1000,
): Promise<ScenarioResult> {
  const base = ctx.sizes.increments;
  await resetIncrements(ctx.servers.sourceUrl, base);
  const tool = (sends: number) =>
    backflow(ctx.servers, ctx.emulator.url, {
      task: "increments",
      rows: base,
      sends,
    });
  // Catch up first (unmeasured): the runs below start at the checkpoint.
  await run(
    ctx,
    {
      ...backflow(ctx.servers, ctx.emulator.url, {
        task: "increments",
        rows: base,
        fullRefresh: true,
      }),
      label: "backflow (catch-up)",
    },
    {
      scenario: "incremental: catch-up",
      rows: base,
      expected: base,
      key: "$insert_id",
      path: "import",
    },
  );
  const runs: RunResult[] = [];
  for (let i = 0; i < count; i++) {
    runs.push(
      await run(ctx, tool(0), {
        scenario: "incremental: nothing new",
        rows: 0,
        expected: 0,
        key: "$insert_id",
        path: "import",
      }),
    );
    await appendIncrements(ctx.servers.sourceUrl, added);
    runs.push(
      await run(ctx, tool(added), {
        scenario: `incremental: ${added} new rows`,
        rows: added,
        expected: added,
        key: "$insert_id",
        path: "import",
      }),
    );
  }

  const child = backflow(ctx.servers, ctx.emulator.url, {
    task: "increments",
    rows: base,
  });
  const inProcess = await timeProcess(
    [process.execPath, "--import", "tsx", "test/bench/perf/in-process-runs.ts"],
    { env: { ...child.env, BENCH_RUNS: String(count) }, cwd: ROOT },
  );
  let scheduler: InProcess | undefined;
  try {
    scheduler = JSON.parse(inProcess.stdout.trim()) as InProcess;
  } catch {
    ctx.log(`  in-process runs failed: ${inProcess.stderr.slice(-300)}`);
  }
  const ms: Spread | undefined = scheduler && spread(scheduler.times);
  return {
    name: "incremental",
    runs,
    notes: { count, added, inProcessMs: ms, inProcessSent: scheduler?.sent },
  };
}

/** `backflow --help`, from spawn to exit. */
export async function helpTime(
  ctx: BenchContext,
  count = 10,
): Promise<ScenarioResult> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, ["cli/bin.js", "--help"], {
        cwd: ROOT,
        stdio: "ignore",
      });
      child.once("error", reject);
      child.once("exit", () => resolve());
    });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  ctx.log(`  --help: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
  return { name: "help", runs: [], notes: { ms: spread(times) } };
}
