/**
 * Everything the fault cases need at once, for the scripts that run them
 * all (test/bench/fault-suite.ts, test/soak/random-kills.ts): a PostgreSQL
 * server (BACKFLOW_TEST_DATABASE_URL, or a dedicated embedded one), a
 * warehouse, an emulator, and a table printer.
 */
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  startDedicatedServer,
  type DedicatedServer,
} from "./dedicated-postgres.ts";
import { isClean } from "./fault-check.ts";
import { FaultEmulator } from "./fault-emulator.ts";
import type { CaseResult } from "./fault-run.ts";
import {
  fillWarehouse,
  sourceState,
  type SourceState,
} from "./fault-warehouse.ts";

export interface Harness {
  emulator: FaultEmulator;
  warehouseUrl: string;
  source: SourceState;
  newStore(): Promise<TestDatabase>;
  /** A server that cases may restart. */
  restartable: DedicatedServer;
  close(): Promise<void>;
}

export async function openHarness(): Promise<Harness> {
  let shared: DedicatedServer | undefined;
  if (!process.env.BACKFLOW_TEST_DATABASE_URL) {
    shared = await startDedicatedServer();
    process.env.BACKFLOW_TEST_DATABASE_URL = shared.url;
  }
  const warehouse = await createTestDatabase("bf_suite_wh");
  await fillWarehouse(warehouse.url);
  const restartable = await startDedicatedServer();
  const emulator = await FaultEmulator.start();
  return {
    emulator,
    warehouseUrl: warehouse.url,
    source: await sourceState(warehouse.url),
    newStore: () => createTestDatabase("bf_suite_store"),
    restartable,
    async close() {
      await emulator.stop();
      await restartable.remove();
      await warehouse.drop();
      await shared?.remove();
    },
  };
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
    .join("  ");
}

/** The results as a fixed-width table with a totals line. */
export function resultTable(results: readonly CaseResult[]): string {
  const header = [
    "fault",
    "injected",
    "runs",
    "completed",
    "rows lost",
    "duplicates",
    "differing",
    "honest",
    "s",
  ];
  const rows = results.map((r) => [
    r.fault,
    String(r.injected),
    String(r.runs),
    String(r.completed),
    String(r.tally.lost),
    String(r.tally.duplicates),
    String(r.tally.extra + r.tally.mismatched),
    r.dishonest.length === 0 ? "yes" : "NO",
    (r.ms / 1000).toFixed(1),
  ]);
  const total = (pick: (r: CaseResult) => number) =>
    String(results.reduce((n, r) => n + pick(r), 0));
  rows.push([
    "total",
    total((r) => r.injected),
    total((r) => r.runs),
    total((r) => r.completed),
    total((r) => r.tally.lost),
    total((r) => r.tally.duplicates),
    total((r) => r.tally.extra + r.tally.mismatched),
    results.every((r) => r.dishonest.length === 0) ? "yes" : "NO",
    (results.reduce((n, r) => n + r.ms, 0) / 1000).toFixed(1),
  ]);
  const widths = header.map((_, i) =>
    Math.max(...[header, ...rows].map((row) => row[i]!.length)),
  );
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [
    pad(header, widths),
    rule,
    ...rows.slice(0, -1).map((r) => pad(r, widths)),
    rule,
    pad(rows.at(-1)!, widths),
  ].join("\n");
}

/** Whether every case ended clean and honest. */
export function allClean(results: readonly CaseResult[]): boolean {
  return results.every((r) => isClean(r.tally) && r.dishonest.length === 0);
}
