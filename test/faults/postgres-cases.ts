/**
 * Fault cases on the PostgreSQL side: the warehouse restarted in the middle
 * of a read, a statement that runs past its timeout, the reading connection
 * terminated, and the metadata store restarted in the middle of a run.
 *
 * A warehouse fault fails the task that was reading (the run says so and
 * names the error); the next run resumes from the checkpoint and completes.
 * The emulator answers slowly here (100 ms a request), so that a fault
 * aimed at the clicks read lands while that read is still open.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

import { honesty, tally } from "./fault-check.ts";
import type { FaultEmulator } from "./fault-emulator.ts";
import {
  runEnv,
  runOnce,
  startRun,
  type CaseResult,
  type RunOutcome,
  type RunTarget,
} from "./fault-run.ts";
import { setReadPause, type SourceState } from "./fault-warehouse.ts";

export interface PostgresSuite {
  emulator: FaultEmulator;
  /** The warehouse on the shared test server. */
  warehouseUrl: string;
  source: SourceState;
  newStore(): Promise<{ url: string; drop(): Promise<void> }>;
}

/** API requests answered before the clicks read is surely open. */
const INTO_CLICKS = 8;

async function waitForRequests(
  emulator: FaultEmulator,
  running: { ended: () => boolean },
  count: number,
): Promise<boolean> {
  while (!running.ended() && (await emulator.apiRequests()) < count) {
    await sleep(5);
  }
  return !running.ended();
}

function failedWith(run: RunOutcome, code: string): string[] {
  const summary = run.summary;
  if (summary?.state !== "failed") {
    return [`the faulted run ended ${summary?.state ?? `with ${run.code}`}`];
  }
  const clicks = summary.tasks.find((t) => t.taskId === "clicks");
  if (clicks?.errorCode !== code) {
    return [`clicks failed with ${clicks?.errorCode}, not ${code}`];
  }
  const others = summary.tasks.filter((t) => t.taskId !== "clicks");
  return others
    .filter((t) => t.state !== "success")
    .map((t) => `task ${t.taskId} ended ${t.state}, though it ran before`);
}

/**
 * Runs once with `inject` fired mid-read, then once more without faults.
 * The faulted run must fail with `code`; the rerun must complete.
 */
async function faultThenRerun(
  suite: PostgresSuite,
  fault: string,
  target: RunTarget,
  code: string,
  inject: () => Promise<number>,
  extraEnv: Record<string, string> = {},
): Promise<CaseResult> {
  const began = Date.now();
  const env = runEnv(target, extraEnv);
  await suite.emulator.reset();
  await suite.emulator.faults({ latency: { ms: 100 } });

  const running = startRun(env);
  let injected = 0;
  if (await waitForRequests(suite.emulator, running, INTO_CLICKS)) {
    injected = await inject();
  }
  const faulted = await running.done;
  await suite.emulator.faults({});
  const rerun = await runOnce(env);

  const dishonest = [
    ...(await honesty(target.storeUrl, faulted.code, faulted.summary)),
    ...(injected > 0 ? failedWith(faulted, code) : []),
    ...(await honesty(target.storeUrl, rerun.code, rerun.summary)),
  ];
  return {
    fault,
    injected,
    runs: 2,
    completed: [faulted, rerun].filter((r) => r.summary?.state === "success")
      .length,
    tally: tally(await suite.emulator.snapshot(), suite.source),
    dishonest,
    ms: Date.now() - began,
  };
}

/** The warehouse's server stops (fast shutdown) and starts mid-read. */
export async function warehouseRestartCase(
  suite: PostgresSuite,
  warehouse: { url: string; restart(pauseMs?: number): Promise<void> },
  source: SourceState,
): Promise<CaseResult> {
  const store = await suite.newStore();
  try {
    return await faultThenRerun(
      { ...suite, source },
      "warehouse restarted mid-read",
      {
        warehouseUrl: warehouse.url,
        storeUrl: store.url,
        emulatorUrl: suite.emulator.url,
      },
      "SOURCE_QUERY",
      async () => {
        await warehouse.restart(200);
        return 1;
      },
    );
  } finally {
    await store.drop();
  }
}

/** The reading connection is killed with pg_terminate_backend. */
export async function terminateCase(suite: PostgresSuite): Promise<CaseResult> {
  const store = await suite.newStore();
  try {
    return await faultThenRerun(
      suite,
      "reading connection dropped (pg_terminate_backend)",
      {
        warehouseUrl: suite.warehouseUrl,
        storeUrl: store.url,
        emulatorUrl: suite.emulator.url,
      },
      "SOURCE_QUERY",
      async () => {
        const admin = new pg.Client({ connectionString: suite.warehouseUrl });
        await admin.connect();
        try {
          const killed = await admin.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
              where application_name = 'backflow:warehouse'
                and datname = current_database()`,
          );
          return killed.rowCount ?? 0;
        } finally {
          await admin.end();
        }
      },
    );
  } finally {
    await store.drop();
  }
}

/**
 * The clicks read stalls for 3 s against a 1 s statement timeout: the
 * task fails naming the timeout, the profile tasks are unaffected, and the
 * rerun (the stall gone) completes.
 */
export async function statementTimeoutCase(
  suite: PostgresSuite,
): Promise<CaseResult> {
  const began = Date.now();
  const store = await suite.newStore();
  const target = {
    warehouseUrl: suite.warehouseUrl,
    storeUrl: store.url,
    emulatorUrl: suite.emulator.url,
  };
  const env = runEnv(target, { FAULTS_STATEMENT_TIMEOUT_MS: "1000" });
  try {
    await suite.emulator.reset();
    await setReadPause(suite.warehouseUrl, 3000);
    const timedOut = await runOnce(env);
    await setReadPause(suite.warehouseUrl, 0);
    const rerun = await runOnce(env);

    const clicks = timedOut.summary?.tasks.find((t) => t.taskId === "clicks");
    const dishonest = [
      ...(await honesty(store.url, timedOut.code, timedOut.summary)),
      ...failedWith(timedOut, "SOURCE_QUERY"),
      ...(/statement timeout/i.test(clicks?.error ?? "")
        ? []
        : [`the error does not name the timeout: ${clicks?.error}`]),
      ...(await honesty(store.url, rerun.code, rerun.summary)),
    ];
    return {
      fault: "statement timeout (1 s) on the clicks read",
      injected: clicks?.state === "failed" ? 1 : 0,
      runs: 2,
      completed: rerun.summary?.state === "success" ? 1 : 0,
      tally: tally(await suite.emulator.snapshot(), suite.source),
      dishonest,
      ms: Date.now() - began,
    };
  } finally {
    await setReadPause(suite.warehouseUrl, 0);
    await store.drop();
  }
}

/**
 * The metadata store's server restarts mid-run. The run waits for it
 * (core/store/reconnect.ts); should a statement be cut off mid-flight, the
 * task fails and says so. Either way the run is recorded as it ended, and
 * the next run completes the work.
 */
export async function storeRestartCase(
  suite: PostgresSuite,
  storeServer: {
    createDatabase(name: string): Promise<string>;
    restart(pauseMs?: number): Promise<void>;
  },
): Promise<CaseResult> {
  const began = Date.now();
  const storeUrl = await storeServer.createDatabase(
    `bf_store_${Date.now().toString(36)}`,
  );
  const target = {
    warehouseUrl: suite.warehouseUrl,
    storeUrl,
    emulatorUrl: suite.emulator.url,
  };
  const env = runEnv(target);
  await suite.emulator.reset();
  await suite.emulator.faults({ latency: { ms: 100 } });

  const running = startRun(env);
  let injected = 0;
  if (await waitForRequests(suite.emulator, running, INTO_CLICKS)) {
    await storeServer.restart(300);
    injected = 1;
  }
  const faulted = await running.done;
  await suite.emulator.faults({});
  const rerun = await runOnce(env);

  // honesty() also flags a run that crashed without recording its end,
  // which is what a store restart used to cause.
  const dishonest = [
    ...(await honesty(storeUrl, faulted.code, faulted.summary)),
    ...(await honesty(storeUrl, rerun.code, rerun.summary)),
  ];
  return {
    fault: "metadata store restarted mid-run",
    injected,
    runs: 2,
    completed: [faulted, rerun].filter((r) => r.summary?.state === "success")
      .length,
    tally: tally(await suite.emulator.snapshot(), suite.source),
    dishonest,
    ms: Date.now() - began,
  };
}
