/**
 * Measuring one tool run from the outside: wall time from spawn to exit,
 * the tool's CPU and peak RSS (GNU time, which reads the kernel's rusage
 * of the child), the CPU of the PostgreSQL backends serving the run's
 * databases, the emulator's CPU, and the whole machine's, so that work
 * pushed into the database cannot look free and other load on a shared
 * machine shows up as "other".
 */
import { spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

const TICKS_PER_SECOND = 100;
const GNU_TIME = "/usr/bin/time";

export interface ProcessFigures {
  code: number | null;
  stdout: string;
  stderr: string;
  wallS: number;
  cpuS: number;
  peakRssMb: number;
}

export interface RunFigures extends ProcessFigures {
  pgCpuS: number | undefined;
  emulatorCpuS: number | undefined;
  machineCpuS: number;
  /** Machine CPU not spent by the tool, PostgreSQL or the emulator. */
  otherCpuS: number;
  loadAverage: number;
}

/** user+system seconds of a live process, or undefined when it is gone. */
export async function processCpu(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

async function machineCpu(): Promise<number> {
  const text = await readFile("/proc/stat", "utf8");
  const cells = text.split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cells.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cells[3]! + cells[4]!;
  return (total - idle) / TICKS_PER_SECOND;
}

export async function loadAverage(): Promise<number> {
  const text = await readFile("/proc/loadavg", "utf8");
  return Number(text.split(" ")[0]);
}

/**
 * CPU of the backends connected to some databases, sampled every 50 ms
 * through pg_stat_activity and /proc. A backend that ends between two
 * samples loses at most its last 50 ms; one that was there before the
 * run counts only what it spent during it.
 */
export class PgCpuMeter {
  readonly #client: pg.Client;
  readonly #databases: string[];
  readonly #first = new Map<number, number>();
  readonly #last = new Map<number, number>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #available = true;

  private constructor(client: pg.Client, databases: string[]) {
    this.#client = client;
    this.#databases = databases;
  }

  static async open(serverUrl: string, databases: string[]) {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    return new PgCpuMeter(client, databases);
  }

  async #sample(starting: boolean): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const { rows } = await this.#client.query<{ pid: number }>(
        "select pid from pg_stat_activity where datname = any($1) " +
          "and pid <> pg_backend_pid()",
        [this.#databases],
      );
      for (const { pid } of rows) {
        const cpu = await processCpu(pid);
        if (cpu === undefined) {
          if (rows.length > 0 && this.#last.size === 0) {
            this.#available = false;
          }
          continue;
        }
        if (!this.#first.has(pid)) this.#first.set(pid, starting ? cpu : 0);
        this.#last.set(pid, cpu);
      }
    } finally {
      this.#busy = false;
    }
  }

  async start(): Promise<void> {
    this.#first.clear();
    this.#last.clear();
    await this.#sample(true);
    this.#timer = setInterval(() => void this.#sample(false), 50);
  }

  /** Seconds spent since `start`, or undefined when /proc can not tell. */
  async stop(): Promise<number | undefined> {
    clearInterval(this.#timer);
    while (this.#busy) await new Promise((r) => setTimeout(r, 5));
    await this.#sample(false);
    if (!this.#available) return undefined;
    let total = 0;
    for (const [pid, last] of this.#last) {
      total += last - (this.#first.get(pid) ?? 0);
    }
    return total;
  }

  async close(): Promise<void> {
    await this.#client.end();
  }
}

/**
 * Runs a command to completion under GNU time.
 * @param onStart called with the child's pid right after the spawn
 */
export async function timeProcess(
  command: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<ProcessFigures> {
  const out = join(tmpdir(), `bf-perf-time-${process.pid}-${Date.now()}`);
  const started = process.hrtime.bigint();
  const child = spawn(GNU_TIME, ["-f", "%e %U %S %M", "-o", out, ...command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(
    () => child.kill("SIGKILL"),
    options.timeoutMs ?? 30 * 60_000,
  );
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => resolve(c));
  });
  clearTimeout(timer);
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const timing = await readFile(out, "utf8").catch(() => "");
  await rm(out, { force: true });
  // GNU time writes "Command exited with non-zero status N" first then.
  const last = timing.trim().split("\n").pop() ?? "";
  const [, user, sys, rssKb] = last.split(" ").map(Number);
  return {
    code,
    stdout,
    stderr,
    wallS,
    cpuS: (user ?? NaN) + (sys ?? NaN),
    peakRssMb: (rssKb ?? NaN) / 1024,
  };
}

export interface MeasureContext {
  pg: PgCpuMeter | undefined;
  emulatorPid: number | undefined;
}

/** One measured run: the process and everything around it. */
export async function measureRun(
  command: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
  context: MeasureContext,
): Promise<RunFigures> {
  const load = await loadAverage();
  const machineBefore = await machineCpu();
  const emulatorBefore = context.emulatorPid
    ? await processCpu(context.emulatorPid)
    : undefined;
  await context.pg?.start();
  const figures = await timeProcess(command, options);
  const pgCpuS = await context.pg?.stop();
  const emulatorAfter = context.emulatorPid
    ? await processCpu(context.emulatorPid)
    : undefined;
  const machineCpuS = (await machineCpu()) - machineBefore;
  const emulatorCpuS =
    emulatorBefore !== undefined && emulatorAfter !== undefined
      ? emulatorAfter - emulatorBefore
      : undefined;
  return {
    ...figures,
    pgCpuS,
    emulatorCpuS,
    machineCpuS,
    otherCpuS: machineCpuS - figures.cpuS - (pgCpuS ?? 0) - (emulatorCpuS ?? 0),
    loadAverage: load,
  };
}
