/**
 * One timed run and its check: reset the emulator, warm the table, time
 * the tool from spawn to exit, then (outside the timed part) read back the
 * spooled bodies. A run is ok only when the tool says it succeeded and the
 * emulator received exactly the expected distinct records.
 */
import type { BenchEmulator } from "./emulator.ts";
import { measureRun, type PgCpuMeter, type RunFigures } from "./measure.ts";
import { prewarm } from "./seed.ts";
import { checkSpool, type RecordKey, type SpoolCheck } from "./spool-check.ts";
import { ROOT, type ToolCommand } from "./tools.ts";

export interface RunResult extends Omit<RunFigures, "stdout" | "stderr"> {
  scenario: string;
  tool: string;
  rows: number;
  ok: boolean;
  problem?: string;
  rowsPerS: number;
  cpuPerM: number;
  pgCpuPerM: number | undefined;
  spool?: SpoolCheck;
  /** Rows per second between the first and the last body received. */
  activeRowsPerS?: number;
  statuses?: Record<string, number>;
}

export interface RunTarget {
  scenario: string;
  rows: number;
  /** Distinct records the emulator must receive. */
  expected: number;
  key: RecordKey;
  path: "import" | "engage" | "groups";
  /** Table read once before the run so it starts from a warm cache. */
  table?: string;
}

export interface RunContext {
  sourceUrl: string;
  emulator: BenchEmulator;
  meter: PgCpuMeter | undefined;
  log: (line: string) => void;
}

function activeRate(
  records: number,
  bodies: number,
  window: { firstMs: number; lastMs: number } | undefined,
): number | undefined {
  if (!window || bodies < 2) return undefined;
  const span = window.lastMs - window.firstMs;
  // n bodies span n-1 gaps; count the first body's gap too.
  const seconds = (span * bodies) / (bodies - 1) / 1000;
  return seconds > 0 ? records / seconds : undefined;
}

export async function timedRun(
  tool: ToolCommand,
  target: RunTarget,
  ctx: RunContext,
): Promise<RunResult> {
  await ctx.emulator.reset();
  if (target.table) await prewarm(ctx.sourceUrl, target.table);
  const figures = await measureRun(
    tool.command,
    { env: tool.env, cwd: ROOT },
    { pg: ctx.meter, emulatorPid: ctx.emulator.pid },
  );
  const { stdout, stderr, ...rest } = figures;
  let problem =
    figures.code === 0
      ? tool.judge(stdout, target.expected)
      : `exit code ${figures.code}: ${(stderr || stdout).trim().slice(-300)}`;

  const spool = await checkSpool(
    ctx.emulator.spoolDir,
    target.key,
    target.expected,
    target.path,
  );
  problem ??= spool.problem;
  const window = await ctx.emulator.window();
  const statuses = await ctx.emulator.statuses();
  const perM = (s: number) => (s * 1e6) / Math.max(1, target.rows);
  const result: RunResult = {
    ...rest,
    scenario: target.scenario,
    tool: tool.label,
    rows: target.rows,
    ok: problem === undefined,
    ...(problem === undefined ? {} : { problem }),
    rowsPerS: target.rows / figures.wallS,
    cpuPerM: perM(figures.cpuS),
    pgCpuPerM: figures.pgCpuS === undefined ? undefined : perM(figures.pgCpuS),
    spool,
    activeRowsPerS: activeRate(spool.unique, spool.bodies, window),
    statuses,
  };
  ctx.log(
    `  ${target.scenario} ${tool.label} ${target.rows}: ` +
      `${result.ok ? "ok" : `FAILED (${problem})`} ` +
      `${Math.round(result.rowsPerS).toLocaleString("en-US")} rows/s, ` +
      `${result.cpuPerM.toFixed(2)} CPU-s/1M, ` +
      `${result.peakRssMb.toFixed(0)} MB, load ${result.loadAverage}`,
  );
  return result;
}
