/**
 * Runs of the fault DAG as real `backflow run` processes, with every
 * backoff and timeout shortened through the environment, and the record
 * of one fault case.
 */
import { spawn, type ChildProcess } from "node:child_process";

import {
  backflowBin,
  childEnv,
  projectRoot,
  runCli,
  type CliResult,
} from "../helpers/cli.ts";
import { TOKEN } from "./fault-emulator.ts";
import type { RunSummary, Tally } from "./fault-check.ts";

export const PIPELINES = "test/fixtures/pipelines/faults";

export interface RunTarget {
  warehouseUrl: string;
  storeUrl: string;
  emulatorUrl: string;
}

/**
 * The environment of a run: small batches so that faults meet many
 * requests, two requests in flight, and backoffs of a few milliseconds
 * (a stall is one second, not a minute).
 */
export function runEnv(
  target: RunTarget,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    FAULTS_WAREHOUSE_URL: target.warehouseUrl,
    BACKFLOW_DATABASE_URL: target.storeUrl,
    MIXPANEL_TOKEN: TOKEN,
    MIXPANEL_API_URL: target.emulatorUrl,
    BACKFLOW_EVENTS_PER_REQUEST: "100",
    BACKFLOW_PROFILES_PER_REQUEST: "50",
    BACKFLOW_MIXPANEL_CONCURRENCY: "2",
    BACKFLOW_PAGE_SIZE: "100",
    BACKFLOW_RETRY_BASE_MS: "5",
    BACKFLOW_RETRY_MAX_MS: "100",
    BACKFLOW_RETRY_MAX_ATTEMPTS: "40",
    BACKFLOW_REQUEST_TIMEOUT_MS: "1000",
    ...extra,
  };
}

export interface RunOutcome extends CliResult {
  summary: RunSummary | undefined;
}

function parseSummary(stdout: string): RunSummary | undefined {
  try {
    return JSON.parse(stdout) as RunSummary;
  } catch {
    return undefined;
  }
}

/** `backflow run faults --json` to its end. */
export async function runOnce(
  env: Record<string, string>,
  args: string[] = [],
): Promise<RunOutcome> {
  const result = await runCli(
    ["run", "faults", "--json", "--pipelines", PIPELINES, ...args],
    { env, timeoutMs: 120_000 },
  );
  return { ...result, summary: parseSummary(result.stdout) };
}

export interface RunningRun {
  readonly child: ChildProcess;
  /** Whether the process has exited. */
  readonly ended: () => boolean;
  readonly done: Promise<RunOutcome>;
}

/** Starts `backflow run faults --json` and returns at once. */
export function startRun(env: Record<string, string>): RunningRun {
  const child = spawn(
    process.execPath,
    [backflowBin, "run", "faults", "--json", "--pipelines", PIPELINES],
    { cwd: projectRoot, env: childEnv(env), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  let ended = false;
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<RunOutcome>((resolve) =>
    child.once("close", (code, signal) => {
      ended = true;
      resolve({ code, signal, stdout, stderr, summary: parseSummary(stdout) });
    }),
  );
  return { child, ended: () => ended, done };
}

/** One row of the fault suite's table. */
export interface CaseResult {
  fault: string;
  /** Faults the emulator, the harness or the OS injected. */
  injected: number;
  /** Runs started, killed ones included. */
  runs: number;
  /** Runs that ended in success. */
  completed: number;
  tally: Tally;
  /** What is dishonest about the recorded runs (empty: honest). */
  dishonest: string[];
  ms: number;
}
