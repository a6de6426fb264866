/**
 * SIGKILL at random instants: of `backflow run` (while it starts, reads,
 * sends or writes checkpoints), of `backflow scheduler` while it runs a
 * triggered run, and of `backflow worker` while it runs the tasks a
 * distributed scheduler hands out. After the kills, one more process
 * finishes the work; Mixpanel must hold exactly one clean run's records.
 *
 * A killed `backflow run` can record nothing more: its run stays
 * `running` in the history (never `success`). A killed scheduler's or
 * worker's task is taken back through its lease and resumed; a task lost
 * three times is given up and its run fails, saying so.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

import { backflowBin, childEnv, projectRoot, runCli } from "../helpers/cli.ts";
import { honesty, tally } from "./fault-check.ts";
import type { FaultEmulator } from "./fault-emulator.ts";
import {
  PIPELINES,
  runEnv,
  runOnce,
  startRun,
  type CaseResult,
} from "./fault-run.ts";
import type { SourceState } from "./fault-warehouse.ts";

export interface KillSuite {
  emulator: FaultEmulator;
  warehouseUrl: string;
  source: SourceState;
  newStore(): Promise<{ url: string; drop(): Promise<void> }>;
}

const between = (low: number, high: number) =>
  low + Math.floor(Math.random() * (high - low));

/**
 * Waits for a random instant: every other kill a random time after the
 * start (start-up, compiling, opening the store, reading profiles), the
 * others after a random number of further answered requests (sending,
 * checkpointing), so that the kills cover every phase.
 */
async function killInstant(
  emulator: FaultEmulator,
  attempt: number,
  ended: () => boolean,
  byTime = attempt % 2 === 0,
): Promise<void> {
  if (byTime) {
    await sleep(between(150, 1500));
    return;
  }
  const target = (await emulator.apiRequests()) + between(1, 7);
  const deadline = Date.now() + 20_000;
  while (!ended() && Date.now() < deadline) {
    if ((await emulator.apiRequests()) >= target) return;
    await sleep(5);
  }
}

async function runStates(storeUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    const result = await client.query<{ state: string }>(
      "select state from dag_runs order by id",
    );
    return result.rows.map((r) => r.state);
  } finally {
    await client.end();
  }
}

/** `kills` runs SIGKILLed at random instants, then one run to the end. */
export async function runnerKillCase(
  suite: KillSuite,
  kills: number,
): Promise<CaseResult> {
  const began = Date.now();
  const store = await suite.newStore();
  try {
    await suite.emulator.reset();
    // Answers slow enough that a run outlasts the kill window, so kills
    // land with batches in flight even when earlier runs did most of the
    // work; a run that still ends first does not count as a kill, and the
    // next one is tried (a bounded number of times).
    await suite.emulator.faults({ latency: { ms: 80 } });
    const env = runEnv({
      warehouseUrl: suite.warehouseUrl,
      storeUrl: store.url,
      emulatorUrl: suite.emulator.url,
    });
    let landed = 0;
    let started = 0;
    while (landed < kills && started < kills * 3) {
      const running = startRun(env);
      await killInstant(suite.emulator, started, running.ended);
      started++;
      if (!running.ended()) {
        running.child.kill("SIGKILL");
        landed++;
      }
      await running.done;
    }
    await suite.emulator.faults({});
    const final = await runOnce(env);

    // A killed run that had recorded success before the kill did succeed;
    // one that claimed it falsely would show as lost rows in the tally.
    const dishonest = await honesty(store.url, final.code, final.summary);
    const states = await runStates(store.url);
    return {
      fault: "SIGKILL of backflow run at random instants",
      injected: landed,
      runs: started + 1,
      completed: states.filter((s) => s === "success").length,
      tally: tally(await suite.emulator.snapshot(), suite.source),
      dishonest,
      ms: Date.now() - began,
    };
  } finally {
    await store.drop();
  }
}

const LEASES = ["--pipelines", PIPELINES, "--heartbeat-ms", "200"];
const SCHEDULER_FLAGS = [...LEASES, "--heartbeat-timeout-ms", "1500"];
const WORKER_FLAGS = [...LEASES, "--worker-timeout-ms", "1500"];

interface Spawned {
  child: ChildProcess;
  exited: Promise<void>;
}

function spawnBackflow(
  command: "scheduler" | "worker",
  env: Record<string, string>,
): Spawned {
  const flags = command === "scheduler" ? SCHEDULER_FLAGS : WORKER_FLAGS;
  const child = spawn(process.execPath, [backflowBin, command, ...flags], {
    cwd: projectRoot,
    env: childEnv(env),
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve()),
  );
  return { child, exited };
}

async function stop(process: Spawned, signal: NodeJS.Signals) {
  if (process.child.exitCode === null && process.child.signalCode === null) {
    process.child.kill(signal);
  }
  await process.exited;
}

/**
 * Waits until the store holds `count` runs and the newest has ended (or a
 * minute has passed); returns every run's state, oldest first.
 */
async function runEnd(storeUrl: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  const ended = (states: string[]) =>
    states.length >= count && ["success", "failed"].includes(states.at(-1)!);
  let recorded = await runStates(storeUrl);
  while (!ended(recorded) && Date.now() < deadline) {
    await sleep(200);
    recorded = await runStates(storeUrl);
  }
  return recorded;
}

/** The errors of the newest run's failed tasks. */
async function failures(storeUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: storeUrl });
  await client.connect();
  try {
    const result = await client.query<{ error: string | null }>(
      `select error from task_instances
        where state = 'failed'
          and run_id = (select max(id) from dag_runs)`,
    );
    return result.rows.map((r) => r.error ?? "(no error recorded)");
  } finally {
    await client.end();
  }
}

/**
 * A triggered run while one kind of process is SIGKILLed at random
 * instants and started again: the scheduler (local executor), or the
 * worker (distributed executor: one scheduler hands tasks to a worker).
 * A run that gave a task up after three lost tries must say so; then one
 * more run, not killed, finishes the work.
 */
async function triggeredRunCase(
  suite: KillSuite,
  kills: number,
  victim: "scheduler" | "worker",
): Promise<CaseResult> {
  const began = Date.now();
  const store = await suite.newStore();
  const env = runEnv(
    {
      warehouseUrl: suite.warehouseUrl,
      storeUrl: store.url,
      emulatorUrl: suite.emulator.url,
    },
    victim === "worker" ? { BACKFLOW_EXECUTOR: "distributed" } : {},
  );
  const scheduler = spawnBackflow("scheduler", env);
  let target = victim === "worker" ? spawnBackflow("worker", env) : scheduler;
  const others: Spawned[] = [];
  try {
    await suite.emulator.reset();
    await suite.emulator.faults({ latency: { ms: 40 } });
    const trigger = async () => {
      const triggered = await runCli(
        ["trigger", "faults", "--pipelines", PIPELINES],
        { env },
      );
      if (triggered.code !== 0) throw new Error(triggered.stderr);
    };
    await trigger();

    let landed = 0;
    for (let i = 0; i < kills; i++) {
      // Start-up is not the point here (the run is queued until a
      // process takes it): every kill lands while requests go out.
      await killInstant(suite.emulator, i, () => false, false);
      if ((await runStates(store.url)).includes("success")) break;
      await stop(target, "SIGKILL");
      landed++;
      others.push(target);
      target = spawnBackflow(victim, env);
    }
    // A task whose process died three times is given up (it might be the
    // task that kills it): the run fails, saying so, and a new run that
    // nobody kills completes the work.
    const dishonest: string[] = [];
    let recorded = await runEnd(store.url, 1);
    while (recorded.at(-1) === "failed" && recorded.length < 3) {
      for (const error of await failures(store.url)) {
        if (!/lost \d+ times, giving up/.test(error)) {
          dishonest.push(`a run failed for another reason: ${error}`);
        }
      }
      await trigger();
      recorded = await runEnd(store.url, recorded.length + 1);
    }
    if (recorded.at(-1) !== "success") {
      dishonest.push(`the runs ended ${recorded.join(", ")}`);
    }
    return {
      fault: `SIGKILL of backflow ${victim} at random instants`,
      injected: landed,
      runs: recorded.length,
      completed: recorded.filter((s) => s === "success").length,
      tally: tally(await suite.emulator.snapshot(), suite.source),
      dishonest,
      ms: Date.now() - began,
    };
  } finally {
    await stop(target, "SIGTERM");
    if (victim === "worker") await stop(scheduler, "SIGTERM");
    await Promise.all(others.map((p) => stop(p, "SIGKILL")));
    await suite.emulator.faults({});
    await store.drop();
  }
}

/** Schedulers SIGKILLed during a triggered run; the last one ends it. */
export function schedulerKillCase(
  suite: KillSuite,
  kills: number,
): Promise<CaseResult> {
  return triggeredRunCase(suite, kills, "scheduler");
}

/** Workers SIGKILLed during a distributed run; the last one ends it. */
export function workerKillCase(
  suite: KillSuite,
  kills: number,
): Promise<CaseResult> {
  return triggeredRunCase(suite, kills, "worker");
}
