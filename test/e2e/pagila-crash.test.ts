/**
 * Crash safety: `backflow run pagila` is killed with SIGKILL at random
 * instants while records are in flight (the emulator answers slowly), and
 * started again each time. At the end Mixpanel must hold exactly what one
 * clean run stores, and the records sent over all attempts may exceed one
 * clean run's by at most kills × batch size × batches in flight: a runner
 * that started over after each kill would send far more.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  backflowBin,
  childEnv,
  projectRoot,
  runCli,
  startEmulatorProcess,
  type EmulatorProcess,
} from "../helpers/cli.ts";
import { loadPagila, skipWithoutPagila } from "../helpers/pagila.ts";

const TOKEN = "pagila-crash-token";
const EVENTS = 16044 + 16049;
const CLEAN_RECORDS = EVENTS + 599 + 500;
const EVENTS_PER_REQUEST = 250;
const CONCURRENCY = 2;
/** Event tasks sending at once (rentals and payments), each its window. */
const SENDERS = 2;
const KILLS = 4;

interface Request {
  path: string;
  records: number;
}

describe(
  "SIGKILL during backflow run pagila",
  { skip: skipWithoutPagila },
  () => {
    let pagila: TestDatabase;
    let store: TestDatabase;
    let emulator: EmulatorProcess;
    let env: Record<string, string>;

    before(async () => {
      pagila = await loadPagila();
      store = await createTestDatabase("bf_meta");
      emulator = await startEmulatorProcess([
        "--token",
        TOKEN,
        "--latency",
        "15",
      ]);
      env = {
        PAGILA_URL: pagila.url,
        MIXPANEL_TOKEN: TOKEN,
        MIXPANEL_API_URL: emulator.url,
        BACKFLOW_DATABASE_URL: store.url,
        BACKFLOW_EVENTS_PER_REQUEST: String(EVENTS_PER_REQUEST),
        BACKFLOW_PROFILES_PER_REQUEST: "100",
        BACKFLOW_MIXPANEL_CONCURRENCY: String(CONCURRENCY),
        BACKFLOW_PAGE_SIZE: "1000",
        BACKFLOW_RETRY_BASE_MS: "20",
      };
    });
    after(async () => {
      await emulator?.stop();
      await store?.drop();
      await pagila?.drop();
    });

    const apiRequests = async () =>
      (await emulator.get<{ requests: number }>("/_emulator/stats")).requests;

    /**
     * Starts a run and kills it once the emulator has answered `after` more
     * API requests. @returns whether the kill landed before the run ended
     */
    async function runAndKill(after: number): Promise<boolean> {
      const start = await apiRequests();
      const child = spawn(process.execPath, [backflowBin, "run", "pagila"], {
        cwd: projectRoot,
        env: childEnv(env),
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once("exit", (_code, signal) => resolve(signal)),
      );
      let ended = false;
      void exited.then(() => (ended = true));
      while (!ended && (await apiRequests()) - start < after) await sleep(5);
      if (!ended) child.kill("SIGKILL");
      return (await exited) === "SIGKILL";
    }

    test("restarts resume from the checkpoint: nothing lost, nothing twice", async (t) => {
      let kills = 0;
      for (let attempt = 0; attempt < KILLS; attempt++) {
        // Past the profile batches, well inside the events.
        const after = 15 + Math.floor(Math.random() * 16);
        if (await runAndKill(after)) kills++;
      }
      assert.ok(kills >= 3, `the kills landed mid-run (${kills})`);

      const final = await runCli(["run", "pagila", "--json"], {
        env,
        timeoutMs: 300_000,
      });
      assert.equal(final.code, 0, final.stderr);

      const stats =
        await emulator.get<Record<string, number>>("/_emulator/stats");
      assert.equal(stats.events, EVENTS, "every event, each counted once");
      assert.equal(stats.groups, 500);

      const source = new pg.Client({ connectionString: pagila.url });
      await source.connect();
      const customers = await source.query<{ id: string; email: string }>(
        "select customer_id::text as id, email from customer",
      );
      await source.end();
      const profiles = await emulator.get<
        Array<{ $distinct_id: string; $properties: { $email?: string } }>
      >("/_emulator/profiles");
      const emails = new Map(
        profiles.map((p) => [p.$distinct_id, p.$properties.$email]),
      );
      assert.equal(profiles.length, customers.rows.length);
      for (const c of customers.rows) assert.equal(emails.get(c.id), c.email);

      const requests = (
        await emulator.get<Request[]>("/_emulator/requests")
      ).filter((r) => !r.path.startsWith("/_emulator"));
      const sent = requests.reduce((n, r) => n + r.records, 0);
      const bound = kills * EVENTS_PER_REQUEST * CONCURRENCY * SENDERS;
      t.diagnostic(
        `${kills} kills; ${sent} records sent in all, ${CLEAN_RECORDS} in a ` +
          `clean run, allowance ${bound}; ${stats.duplicates} duplicate events`,
      );
      assert.ok(
        sent <= CLEAN_RECORDS + bound,
        `sent ${sent} records over ${kills + 1} runs; one clean run sends ` +
          `${CLEAN_RECORDS}, the kills may add at most ${bound}`,
      );
    });
  },
);
