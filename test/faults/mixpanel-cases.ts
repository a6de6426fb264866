/**
 * Fault cases on the Mixpanel side: the emulator refuses, fails, resets,
 * stalls or restarts while `backflow run` sends. Each case starts from a
 * fresh metadata store and an empty emulator and ends with what Mixpanel
 * holds compared with one clean run, and every run's record checked.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { honesty, tally } from "./fault-check.ts";
import { FaultEmulator, mergeSnapshots } from "./fault-emulator.ts";
import {
  runEnv,
  runOnce,
  startRun,
  type CaseResult,
  type RunOutcome,
} from "./fault-run.ts";
import type { SourceState } from "./fault-warehouse.ts";

export interface MixpanelSuite {
  /** Shared by the cases that do not stop or stall it. */
  emulator: FaultEmulator;
  warehouseUrl: string;
  source: SourceState;
  /** A fresh, empty metadata store database; dropped by `drop`. */
  newStore(): Promise<{ url: string; drop(): Promise<void> }>;
}

type Plan = Record<string, unknown>;

const sum = (counts: Record<string, number>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

async function honestRuns(
  storeUrl: string,
  outcomes: readonly RunOutcome[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const o of outcomes) {
    problems.push(...(await honesty(storeUrl, o.code, o.summary)));
  }
  return problems;
}

/**
 * One run under a fault plan on the shared emulator; it must succeed.
 * `extraEnv` tunes the client for the case.
 */
export async function planCase(
  suite: MixpanelSuite,
  fault: string,
  plan: Plan,
  extraEnv: Record<string, string> = {},
): Promise<CaseResult> {
  const began = Date.now();
  const { emulator } = suite;
  const store = await suite.newStore();
  try {
    await emulator.faults(plan);
    await emulator.reset();
    const env = runEnv(
      {
        warehouseUrl: suite.warehouseUrl,
        storeUrl: store.url,
        emulatorUrl: emulator.url,
      },
      extraEnv,
    );
    const run = await runOnce(env);
    const injected = sum(await emulator.fired());
    await emulator.faults({});
    return {
      fault,
      injected,
      runs: 1,
      completed: run.summary?.state === "success" ? 1 : 0,
      tally: tally(await emulator.snapshot(), suite.source),
      dishonest: [
        ...(await honestRuns(store.url, [run])),
        ...(run.code === 0 ? [] : [`run failed: ${run.stderr.slice(0, 500)}`]),
      ],
      ms: Date.now() - began,
    };
  } finally {
    await store.drop();
  }
}

/**
 * Every request fails until the client gives up: the run must fail, and
 * say so; the next run, with the faults gone, completes the work.
 */
export async function exhaustedCase(suite: MixpanelSuite): Promise<CaseResult> {
  const began = Date.now();
  const { emulator } = suite;
  const store = await suite.newStore();
  try {
    await emulator.faults({ status5xx: { rate: 1, status: 503 } });
    await emulator.reset();
    const target = {
      warehouseUrl: suite.warehouseUrl,
      storeUrl: store.url,
      emulatorUrl: emulator.url,
    };
    const failing = await runOnce(
      runEnv(target, { BACKFLOW_RETRY_MAX_ATTEMPTS: "3" }),
    );
    const injected = sum(await emulator.fired());
    await emulator.faults({});
    const dishonest = await honestRuns(store.url, [failing]);
    if (failing.summary?.state !== "failed") {
      dishonest.push("a run whose every request failed was not failed");
    }
    const codes = failing.summary?.tasks.map((t) => t.errorCode) ?? [];
    if (!codes.includes("MIXPANEL_RETRIES_EXHAUSTED")) {
      dishonest.push(`failed tasks say ${codes.join(", ")}`);
    }
    const rerun = await runOnce(runEnv(target));
    dishonest.push(...(await honestRuns(store.url, [rerun])));
    return {
      fault: "5xx on every request, retries exhausted, then rerun",
      injected,
      runs: 2,
      completed: rerun.summary?.state === "success" ? 1 : 0,
      tally: tally(await emulator.snapshot(), suite.source),
      dishonest,
      ms: Date.now() - began,
    };
  } finally {
    await store.drop();
  }
}

/**
 * Requests stall for 30 s, far beyond the client's request timeout (1 s
 * here): the client gives up on them and resends. A stalled request is
 * applied when its 30 s are over, so this case has an emulator of its own,
 * stopped before those requests could land in another case.
 */
export async function stallCase(suite: MixpanelSuite): Promise<CaseResult> {
  const began = Date.now();
  const emulator = await FaultEmulator.start();
  const store = await suite.newStore();
  try {
    await emulator.faults({ latency: { ms: 30_000, count: 3, skip: 2 } });
    const run = await runOnce(
      runEnv({
        warehouseUrl: suite.warehouseUrl,
        storeUrl: store.url,
        emulatorUrl: emulator.url,
      }),
    );
    return {
      fault: "30 s stalls (request timeout 1 s)",
      injected: (await emulator.fired()).latency ?? 0,
      runs: 1,
      completed: run.summary?.state === "success" ? 1 : 0,
      tally: tally(await emulator.snapshot(), suite.source),
      dishonest: await honestRuns(store.url, [run]),
      ms: Date.now() - began,
    };
  } finally {
    // SIGTERM would wait for the stalled requests' 30 s.
    await emulator.kill();
    await store.drop();
  }
}

/**
 * The emulator is SIGKILLed in the middle of the clicks and started again
 * on the same port (see fault-emulator.ts for how its lost memory is
 * accounted for). The run rides it out on retries.
 */
export async function restartCase(suite: MixpanelSuite): Promise<CaseResult> {
  const began = Date.now();
  const emulator = await FaultEmulator.start();
  const store = await suite.newStore();
  try {
    await emulator.faults({ latency: { ms: 25 } });
    const running = startRun(
      runEnv(
        {
          warehouseUrl: suite.warehouseUrl,
          storeUrl: store.url,
          emulatorUrl: emulator.url,
        },
        // A restart takes about a second: room for a few of them.
        {
          BACKFLOW_RETRY_MAX_MS: "400",
          BACKFLOW_RETRY_MAX_ELAPSED_MS: "30000",
        },
      ),
    );
    // Past the five profile requests, inside the twenty click requests.
    const at = 9 + Math.floor(Math.random() * 6);
    while (!running.ended() && (await emulator.apiRequests()) < at) {
      await sleep(5);
    }
    let restarts = 0;
    const snapshots = [];
    if (!running.ended()) {
      // Nothing more is applied from here on: the snapshot is final.
      await emulator.faults({ resetBefore: { rate: 1 }, latency: { ms: 25 } });
      snapshots.push(await emulator.snapshot());
      await emulator.restart();
      restarts++;
    }
    const run = await running.done;
    snapshots.push(await emulator.snapshot());
    return {
      fault: "emulator SIGKILLed and restarted mid-run",
      injected: restarts,
      runs: 1,
      completed: run.summary?.state === "success" ? 1 : 0,
      tally: tally(mergeSnapshots(snapshots), suite.source),
      dishonest: await honestRuns(store.url, [run]),
      ms: Date.now() - began,
    };
  } finally {
    await emulator.stop();
    await store.drop();
  }
}

/** Every Mixpanel-side case, in the order the suite runs them. */
export const MIXPANEL_PLANS: ReadonlyArray<{
  fault: string;
  plan: Plan;
  env?: Record<string, string>;
}> = [
  {
    fault: "429 storm with Retry-After (50 ms)",
    plan: { status429: { rate: 0.5, retryAfterSeconds: 0.05 }, seed: 11 },
  },
  {
    fault: "429 storm without Retry-After",
    plan: { status429: { rate: 0.5, retryAfterSeconds: null }, seed: 12 },
  },
  {
    fault: "5xx burst (8 in a row, 502 with an HTML body)",
    plan: {
      status5xx: { rate: 1, count: 8, skip: 3, status: 502, body: "html" },
      seed: 13,
    },
  },
  {
    fault: "connection reset before a batch is applied",
    plan: { resetBefore: { rate: 0.3 }, seed: 14 },
  },
  {
    fault: "connection reset after a batch is applied",
    plan: { resetAfter: { rate: 0.3 }, seed: 15 },
  },
  {
    fault: "answer cut off after a batch is applied",
    plan: { truncated: { rate: 0.3 }, seed: 16 },
  },
];
