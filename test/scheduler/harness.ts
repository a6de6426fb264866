/**
 * An in-process scheduler on a real metadata store, with a pinned clock and
 * the events it reported, for the scheduler's loop tests.
 */
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import { serializeDag } from "../../core/compiler/serialize-dag.ts";
import { pinnedClock, type Clock } from "../../core/scheduler/clock.ts";
import type { SchedulerEvent } from "../../core/scheduler/scheduler-events.ts";
import {
  Scheduler,
  type SchedulerOptions,
} from "../../core/scheduler/scheduler.ts";
import { DagRepository } from "../../core/store/dag-repository.ts";
import {
  openStore,
  type MetadataStore,
} from "../../core/store/metadata-store.ts";
import type { DagRun, TaskInstance } from "../../core/store/records.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { createTestScheduler } from "../helpers/executor.ts";

export interface Harness {
  store: MetadataStore;
  /** The store's database, also usable as a warehouse. */
  url: string;
  close(): Promise<void>;
}

export async function openHarness(prefix: string): Promise<Harness> {
  const db: TestDatabase = await createTestDatabase(prefix);
  const store = await openStore({ databaseUrl: db.url });
  return {
    store,
    url: db.url,
    async close() {
      await store.close();
      await db.drop();
    },
  };
}

export interface TestScheduler {
  scheduler: Scheduler;
  events: SchedulerEvent[];
  /** Replaces the DAGs it sees, as a recompile would. */
  setDags(dags: DagDefinition[]): void;
}

export function startScheduler(
  store: MetadataStore,
  dags: DagDefinition[],
  options: Partial<SchedulerOptions> & { clock?: Clock } = {},
): TestScheduler {
  let current = dags;
  const events: SchedulerEvent[] = [];
  // BACKFLOW_EXECUTOR=distributed: the tasks run on a worker beside it.
  const scheduler = createTestScheduler({
    store,
    source: { dags: () => current },
    clock: options.clock ?? pinnedClock("2024-01-01T00:00:00Z"),
    heartbeatMs: 100,
    ...options,
    listener: (event) => {
      events.push(event);
      options.listener?.(event);
    },
  });
  return {
    scheduler,
    events,
    setDags: (next) => {
      current = next;
    },
  };
}

/** Runs one pass and waits for everything it set going. */
export async function settle(s: TestScheduler): Promise<void> {
  await s.scheduler.tick();
  await s.scheduler.idle();
}

/** A DAG's runs, oldest interval first. */
export async function runsOf(
  store: MetadataStore,
  dagId: string,
): Promise<DagRun[]> {
  const runs = await store.runs.listRuns({ dagId, limit: 1000 });
  return runs.sort(
    (a, b) => a.logicalDate.getTime() - b.logicalDate.getTime() || a.id - b.id,
  );
}

/** "HH:MM-HH:MM" in UTC, for compact assertions on hourly intervals. */
export function span(run: { start: Date; end: Date } | DagRun): string {
  const start =
    "start" in run ? run.start : (run.dataIntervalStart ?? run.logicalDate);
  const end = "end" in run ? run.end : (run.dataIntervalEnd ?? run.logicalDate);
  const hm = (d: Date) => d.toISOString().slice(11, 16);
  return `${hm(start)}-${hm(end)}`;
}

export async function taskOf(
  store: MetadataStore,
  runId: number,
  taskId: string,
): Promise<TaskInstance> {
  const tasks = await store.runs.listTasks(runId);
  return tasks.find((t) => t.taskId === taskId)!;
}

/** Makes the store know the DAGs (as a compile would), e.g. to pause one. */
export async function publishDags(
  store: MetadataStore,
  dags: DagDefinition[],
): Promise<void> {
  await new DagRepository(store.pool).publish({
    pipelinesDir: "/test",
    dags: dags.map((d) => serializeDag(d, `${d.id}.ts`, "hash")),
    importErrors: [],
  });
}

/** Polls until `check` holds (real-clock tests). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A promise with its resolve function, to hold a task until told. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
