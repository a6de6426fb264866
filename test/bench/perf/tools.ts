/**
 * The commands the benchmark times, each a child process of its own:
 * backflow (the real CLI), mixpanel-import fed by the adapter a user would
 * write, and the machine's ceiling. Each returns whether the tool itself
 * reported success; the spool check judges delivery separately.
 */
import { fileURLToPath } from "node:url";
import { BENCH_TOKEN } from "./emulator.ts";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const HERE = "test/bench/perf";

export interface Servers {
  sourceUrl: string;
  metaUrl: string;
}

export interface ToolCommand {
  label: string;
  command: string[];
  env: NodeJS.ProcessEnv;
  /** Reads the tool's own output: undefined when it says it succeeded. */
  judge(stdout: string, expected: number): string | undefined;
}

/** The environment without anything of the caller's backflow setup. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("BACKFLOW_") || key.startsWith("MIXPANEL_")) {
      delete env[key];
    }
  }
  return env;
}

interface TaskSummaryJson {
  state: string;
  rowsRead: number;
  recordsSent: number;
  rejected: number;
  error?: string;
}

export interface BackflowRun {
  task: string;
  rows: number;
  fullRefresh?: boolean;
  /** Records the task must send (default: rows). */
  sends?: number;
  env?: NodeJS.ProcessEnv;
}

export function backflow(
  servers: Servers,
  emulatorUrl: string,
  run: BackflowRun,
): ToolCommand {
  return {
    label: "backflow",
    command: [
      process.execPath,
      "cli/bin.js",
      "run",
      "perf",
      "--pipelines",
      `${HERE}/pipelines`,
      "--task",
      run.task,
      "--json",
      ...(run.fullRefresh ? ["--full-refresh"] : []),
    ],
    env: {
      ...baseEnv(),
      BACKFLOW_DATABASE_URL: servers.metaUrl,
      BENCH_SOURCE_URL: servers.sourceUrl,
      BENCH_MIXPANEL_URL: emulatorUrl,
      BENCH_TOKEN,
      BENCH_ROWS: String(run.rows),
      ...run.env,
    },
    judge(stdout, expected) {
      let task: TaskSummaryJson | undefined;
      try {
        const summary = JSON.parse(stdout) as { tasks: TaskSummaryJson[] };
        task = summary.tasks[0];
      } catch {
        return `backflow printed no summary: ${stdout.slice(0, 200)}`;
      }
      if (!task) return "backflow ran no task";
      if (task.state !== "success") return `${task.state}: ${task.error}`;
      const sends = run.sends ?? expected;
      if (task.recordsSent !== sends || task.rejected !== 0) {
        return (
          `sent ${task.recordsSent} (expected ${sends}), ` +
          `rejected ${task.rejected}`
        );
      }
      return undefined;
    },
  };
}

export interface PeerCell {
  workers: number;
  /** 0: compression off. */
  level: number;
}

export const showCell = (c: PeerCell) =>
  `workers ${c.workers}, ${c.level === 0 ? "gzip off" : `gzip ${c.level}`}`;

export function mixpanelImport(
  servers: Servers,
  emulatorUrl: string,
  rows: number,
  cell: PeerCell,
  table = "events",
): ToolCommand {
  return {
    label: "mixpanel-import",
    command: [
      process.execPath,
      "--import",
      `./${HERE}/peer/redirect-undici.mjs`,
      `${HERE}/peer/mixpanel-import-adapter.mjs`,
    ],
    env: {
      ...baseEnv(),
      MP_EMULATOR: emulatorUrl,
      BENCH_SOURCE_URL: servers.sourceUrl,
      BENCH_ROWS: String(rows),
      BENCH_TABLE: table,
      MI_WORKERS: String(cell.workers),
      MI_LEVEL: String(cell.level),
    },
    judge(stdout, expected) {
      try {
        const line = stdout.trim().split("\n").pop() ?? "";
        const s = JSON.parse(line) as { success: number; failed: number };
        if (s.success !== expected || s.failed !== 0) {
          return `imported ${s.success}, failed ${s.failed}`;
        }
        return undefined;
      } catch {
        return `mixpanel-import printed no summary: ${stdout.slice(0, 200)}`;
      }
    },
  };
}

export function ceiling(
  servers: Servers,
  spoolDir: string,
  rows: number,
): ToolCommand {
  return {
    label: "ceiling",
    command: [process.execPath, `${HERE}/ceiling.mjs`],
    env: {
      ...baseEnv(),
      BENCH_SOURCE_URL: servers.sourceUrl,
      BENCH_ROWS: String(rows),
      SPOOL_DIR: spoolDir,
    },
    judge(stdout, expected) {
      try {
        const s = JSON.parse(stdout.trim()) as { rows: number };
        return s.rows === expected ? undefined : `made ${s.rows} events`;
      } catch {
        return `the ceiling printed no summary: ${stdout.slice(0, 200)}`;
      }
    },
  };
}
