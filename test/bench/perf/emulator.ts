/**
 * The emulator of a benchmark: `backflow emulator --timing` in its own
 * process, spooling the raw bodies to a folder (in memory when /dev/shm
 * exists) that is checked after each timed run and then emptied.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const BENCH_TOKEN = "bench-token";

export interface BenchEmulator {
  url: string;
  pid: number;
  spoolDir: string;
  /** Empties the spool and zeroes the emulator's counters. */
  reset(): Promise<void>;
  /** Requests answered with each status since the last reset. */
  statuses(): Promise<Record<string, number>>;
  /** First and last body's write time, in ms (undefined when none). */
  window(): Promise<{ firstMs: number; lastMs: number } | undefined>;
  stop(): Promise<void>;
}

function spoolRoot(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

export async function startBenchEmulator(
  root: string,
  extraFlags: string[] = [],
): Promise<BenchEmulator> {
  const spoolDir = join(
    spoolRoot(),
    `backflow-perf-spool-${process.pid}-${Date.now()}`,
  );
  await mkdir(spoolDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "cli/bin.js",
      "emulator",
      "--port",
      "0",
      "--timing",
      "--spool-dir",
      spoolDir,
      "--token",
      BENCH_TOKEN,
      ...extraFlags,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    lines.once("line", (line) => resolve(line.trim()));
  });
  child.stdout!.resume();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));

  const clearSpool = async () => {
    for (const name of await readdir(spoolDir)) {
      await rm(join(spoolDir, name), { force: true });
    }
  };

  return {
    url,
    pid: child.pid!,
    spoolDir,
    async reset() {
      await clearSpool();
      await fetch(`${url}/_emulator/reset`, { method: "POST" });
    },
    async statuses() {
      const response = await fetch(`${url}/_emulator/requests`);
      const log = (await response.json()) as Array<{ status: number }>;
      const counts: Record<string, number> = {};
      for (const entry of log) {
        const key = String(entry.status);
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    async window() {
      const names = (await readdir(spoolDir)).sort();
      if (names.length === 0) return undefined;
      let firstMs = Infinity;
      let lastMs = -Infinity;
      for (const name of names) {
        const { mtimeMs } = await stat(join(spoolDir, name));
        firstMs = Math.min(firstMs, mtimeMs);
        lastMs = Math.max(lastMs, mtimeMs);
      }
      return { firstMs, lastMs };
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}
