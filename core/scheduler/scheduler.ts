/**
 * The scheduler loop: turns schedules into runs and runs into task tries,
 * with the metadata store as the only source of truth. node-cron merely
 * wakes the loop (every second); a wake that finds nothing due does
 * nothing, so an early, late or doubled timer can neither add nor drop a
 * run (xen-orchestra#4625, node-cron#671).
 *
 * One pass, in order:
 * 1. Read "now" from the clock of record (the database's in production).
 * 2. Read the DAGs (as last compiled) and which of them are paused.
 * 3. Hand back tasks whose worker stopped heart-beating.
 * 4. Create a queued run for each due data interval (catch-up policy in
 *    due-intervals.ts; creation is idempotent per interval).
 * 5. Advance running runs: failures flow down the graph, a run being
 *    cancelled closes its waiting tasks (run-cancel.ts), and a run whose
 *    tasks have all ended is finished and notified, by one process (before
 *    step 6, so that a run that just ended frees its slot).
 * 6. Start queued runs within `maxActiveRuns` (overlap policy).
 * 7. Claim ready tasks within the concurrency caps and run them here; or,
 *    with a remote `executor` (distributed), hand them to the workers,
 *    which claim them within the same caps (core/executor/claim-job.ts).
 *    Runs being cancelled hand out nothing.
 * Steps 3, 6 and 7 (a worker's claim too) hold the scheduling lock; the
 * passes of one process never overlap, and a task that ends (here, or on
 * a worker that says so) asks for another pass at once.
 *
 * Shutdown (`stop`): no pass starts any more, running tasks are told to
 * stop through their signal, and each is handed back (`queued`, its try
 * refunded) once it stopped, so the next start resumes it.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

import cron, { type ScheduledTask } from "node-cron";

import type { DagDefinition } from "../builder/dag-definition.ts";
import { resolveConfigurable } from "../builder/env.ts";
import { errorMessage } from "../errors.ts";
import type { MetadataStore } from "../store/metadata-store.ts";
import type { DagRun } from "../store/records.ts";
import { createLogger } from "../util/log.ts";
import { databaseClock, type Clock } from "./clock.ts";
import { CronSchedule } from "./cron-schedule.ts";
import { pausedDags } from "./dag-controls.ts";
import { dueIntervals } from "./due-intervals.ts";
import {
  webhookNotifier,
  type Notifier,
  type RunNotification,
} from "./notifier.ts";
import { cancelRequested } from "./run-cancel.ts";
import { runNotifications } from "./run-notifications.ts";
import {
  createRuns,
  cursors,
  finishRun,
  runningRuns,
  startRuns,
} from "./run-queue.ts";
import type { RemoteExecutor } from "./remote-executor.ts";
import type { SchedulerListener } from "./scheduler-events.ts";
import { executeTry, type ExecuteOptions } from "./task-executor.ts";
import {
  claim,
  closeWaiting,
  endTry,
  runningLoad,
  staleLeases,
  taskRows,
} from "./task-leases.ts";
import { judgeRun, pickTasks } from "./task-picker.ts";
import { withSchedulingLock } from "./transaction.ts";

const log = createLogger({ scope: "scheduler" });

/** Where the scheduler finds the DAGs, as last compiled. */
export interface DagSource {
  dags(): readonly DagDefinition[];
}

export interface SchedulerOptions {
  readonly store: MetadataStore;
  readonly source: DagSource;
  /** (default: the database's clock) */
  readonly clock?: Clock;
  /** This process in the store (default: host:pid:random). */
  readonly worker?: string;
  /** Lease renewal of a running task (default: 5000 ms). */
  readonly heartbeatMs?: number;
  /** A lease older than this is taken back (default: 60000 ms). */
  readonly heartbeatTimeoutMs?: number;
  /** Lost workers one task instance survives (default: 3). */
  readonly maxLostTries?: number;
  /** Tasks this process runs at once (default: 8). */
  readonly maxTasks?: number;
  /** Tasks per Mixpanel connection, over all processes (default: 4). */
  readonly maxTasksPerConnection?: number;
  /** Caps of named Mixpanel connections, overriding the default. */
  readonly connectionCaps?: Readonly<Record<string, number>>;
  /**
   * A pause between passes longer than this (a sleeping host, a stopped
   * process) counts as downtime for catch-up (default: 60000 ms).
   */
  readonly maxTickGapMs?: number;
  /** How long a stopped task may ignore its signal (default: 30000 ms). */
  readonly abandonMs?: number;
  /** node-cron expression that wakes the loop (default: every second). */
  readonly wake?: string;
  readonly runOptions?: ExecuteOptions["runOptions"];
  /** (default: JSON POST with undici) */
  readonly notifier?: Notifier;
  readonly listener?: SchedulerListener;
  /** Jitter source (default: Math.random). */
  readonly random?: () => number;
  /**
   * Distributed execution: ready tasks go to workers through this instead
   * of running here (`maxTasks`, `abandonMs`, `runOptions` then apply to
   * the workers, not to this process).
   */
  readonly executor?: RemoteExecutor;
}

export interface PassReport {
  readonly created: DagRun[];
  readonly started: DagRun[];
  readonly skipped: DagRun[];
  readonly finished: DagRun[];
  /** Tasks claimed to run here, or handed to the workers. */
  readonly claimed: number;
  readonly requeued: number;
}

const EMPTY: PassReport = Object.freeze({
  created: [],
  started: [],
  skipped: [],
  finished: [],
  claimed: 0,
  requeued: 0,
});

export class Scheduler {
  readonly worker: string;
  readonly #o: SchedulerOptions;
  readonly #clock: Clock;
  readonly #notifier: Notifier;
  readonly #emit: SchedulerListener;
  readonly #shutdown = new AbortController();
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #notifying = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #schedules = new Map<string, CronSchedule>();
  readonly #invalid = new Map<string, string>();
  /** Each DAG's schedule as the last pass saw it (cron and zone). */
  readonly #seenSchedules = new Map<string, string>();
  #chain: Promise<unknown> = Promise.resolve();
  #pending: Promise<PassReport> | undefined;
  #lastPass: Date | undefined;
  #cron: ScheduledTask | undefined;
  #stopped: Promise<void> | undefined;
  #unlisten: Promise<() => Promise<void>> | undefined;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? databaseClock(options.store.pool);
    this.#notifier = options.notifier ?? webhookNotifier();
    this.#emit = options.listener ?? (() => {});
    this.worker =
      options.worker ??
      `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  }

  get stopping(): boolean {
    return this.#shutdown.signal.aborted;
  }

  /** Wakes the loop with node-cron until `stop`. */
  start(): void {
    if (this.#cron || this.stopping) return;
    this.#cron = cron.schedule(
      this.#o.wake ?? "* * * * * *",
      () => this.kick(),
      {
        name: `backflow-scheduler-${this.worker}`,
        // A wake that comes late is simply the next wake; nothing is missed
        // because the loop reads due intervals from the store.
        suppressMissedWarning: true,
        logger: {
          info: () => {},
          warn: (message) => log.debug("cron.warn", { message }),
          error: (message) => log.debug("cron.error", { message }),
          debug: () => {},
        },
      },
    );
    this.kick();
  }

  /** Asks for a pass soon; failures are reported, never thrown. */
  kick(): void {
    this.tick().catch((error: unknown) => {
      log.error("scheduler.pass_failed", { error });
      this.#emit({ type: "tick-failed", error: errorMessage(error) });
    });
  }

  /** Runs one pass after the current one (a waiting pass is shared). */
  tick(): Promise<PassReport> {
    if (this.#pending) return this.#pending;
    const pass = this.#chain.then(() => {
      this.#pending = undefined;
      return this.stopping ? EMPTY : this.#pass();
    });
    this.#pending = pass;
    this.#chain = pass.catch(() => {});
    return pass;
  }

  /**
   * Resolves once no pass, task or notification is in flight (tests); with
   * a remote executor, once the workers have nothing left either.
   */
  async idle(): Promise<void> {
    for (;;) {
      await this.#chain;
      const busy = [...this.#inflight.values(), ...this.#notifying];
      if (busy.length === 0 && !this.#pending) {
        if (!this.#o.executor || this.stopping) return;
        // What the workers ended calls for a pass (as a local task's end
        // does), which may hand out more.
        if (!(await this.#o.executor.drain())) return;
        await this.tick();
        continue;
      }
      await Promise.race(busy.length ? busy : [this.#chain]);
    }
  }

  /** Stops new work, hands running tasks back once they stop, resolves. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#shutdown.abort();
      await this.#cron?.destroy();
      for (const timer of this.#timers) clearTimeout(timer);
      await this.#chain;
      await Promise.allSettled(this.#inflight.values());
      await Promise.allSettled(this.#notifying);
      const unlisten = await this.#unlisten?.catch(() => undefined);
      await unlisten?.();
    })();
    return this.#stopped;
  }

  /** Passes when a worker ends a try, as when a task ends here. */
  #listen(executor: RemoteExecutor): void {
    if (this.#unlisten) return;
    this.#unlisten = executor.listen((end) => {
      if (this.stopping) return;
      this.kick();
      if (end.nextTryAt) this.#wakeAt(end.nextTryAt);
    });
    // Without word from the workers, the wakes still come.
    this.#unlisten.catch((error: unknown) => {
      log.warn("executor.listen_failed", { error });
      this.#unlisten = undefined;
    });
  }

  async #pass(): Promise<PassReport> {
    const { store } = this.#o;

    // 1.
    await this.#clock.sync?.();
    const now = this.#clock.now();

    // 2.
    const loaded = new Map(this.#o.source.dags().map((d) => [d.id, d]));
    const paused = await pausedDags(store.pool);
    const active = [...loaded.values()].filter((d) => !paused.has(d.id));

    // 3–7.
    if (this.#o.executor) this.#listen(this.#o.executor);
    const requeued = await this.#takeBackStale(now);
    const edited = this.#editedSchedules(loaded.values());
    const created = await this.#createDueRuns(active, edited, now);
    const finished = await this.#advanceRuns(loaded, now);
    const { started, skipped } = await this.#startRuns(active, now);
    const claimed = await this.#claimTasks(active, now);

    this.#lastPass = now;
    return { created, started, skipped, finished, claimed, requeued };
  }

  async #takeBackStale(now: Date): Promise<number> {
    const timeout = this.#o.heartbeatTimeoutMs ?? 60_000;
    const maxLost = this.#o.maxLostTries ?? 3;
    const cutoff = new Date(now.getTime() - timeout);
    const lost = await withSchedulingLock(
      this.#o.store.pool,
      "taking back stale tasks",
      async (client) => {
        const taken = [];
        for (const lease of await staleLeases(client, cutoff)) {
          // Our own running tasks are alive, however late their beat.
          const key = `${lease.runId}/${lease.taskId}`;
          if (lease.worker === this.worker && this.#inflight.has(key)) {
            continue;
          }
          const requeued = lease.lost + 1 < maxLost;
          const ok = await endTry(
            client,
            lease,
            {
              state: requeued ? "queued" : "failed",
              tryState: "lost",
              refund: requeued,
              errorCode: "ABORTED",
              error:
                `worker ${lease.worker ?? "(unknown)"} stopped heart-beating ` +
                `(no heartbeat for ${timeout} ms)` +
                (requeued ? "" : `; lost ${maxLost} times, giving up`),
            },
            now,
          );
          if (ok) taken.push({ ...lease, requeued });
        }
        return taken;
      },
    );
    for (const { runId, taskId, tryNumber, worker, requeued } of lost) {
      log.warn("task.lost", { run: runId, task: taskId, worker, requeued });
      this.#emit({
        type: "task-lost",
        runId,
        taskId,
        tryNumber,
        worker,
        requeued,
      });
    }
    return lost.length;
  }

  #scheduleOf(dag: DagDefinition): CronSchedule | undefined {
    const key = `${dag.schedule}\u0000${dag.timezone}`;
    let schedule = this.#schedules.get(key);
    if (schedule) return schedule;
    try {
      schedule = new CronSchedule(dag.schedule!, dag.timezone);
    } catch (error) {
      if (this.#invalid.get(dag.id) !== key) {
        this.#invalid.set(dag.id, key);
        log.error("dag.schedule_invalid", { dag: dag.id, error });
        this.#emit({
          type: "dag-invalid",
          dagId: dag.id,
          error: errorMessage(error),
        });
      }
      return undefined;
    }
    this.#schedules.set(key, schedule);
    return schedule;
  }

  /**
   * The DAGs whose schedule changed since the last pass. Paused DAGs are
   * tracked too, so an edit made during a pause is not taken for a new one
   * when the DAG resumes.
   */
  #editedSchedules(dags: Iterable<DagDefinition>): Set<string> {
    const edited = new Set<string>();
    for (const dag of dags) {
      const key = `${dag.schedule ?? ""}\u0000${dag.timezone}`;
      const before = this.#seenSchedules.get(dag.id);
      if (before !== undefined && before !== key) edited.add(dag.id);
      this.#seenSchedules.set(dag.id, key);
    }
    return edited;
  }

  async #createDueRuns(
    active: DagDefinition[],
    edited: ReadonlySet<string>,
    now: Date,
  ) {
    const scheduled = active.filter((d) => d.schedule !== undefined);
    if (scheduled.length === 0) return [];
    const gap = this.#o.maxTickGapMs ?? 60_000;
    const last = this.#lastPass;
    const ticking = last && now.getTime() - last.getTime() <= gap;
    const liveSince = ticking ? last : now;
    const ends = await cursors(
      this.#o.store.pool,
      scheduled.map((d) => d.id),
    );

    const created: DagRun[] = [];
    for (const dag of scheduled) {
      const schedule = this.#scheduleOf(dag);
      if (!schedule) continue;

      // A fire time of an edited schedule that fell between the cursor and
      // the edit being seen came while this scheduler ticked: it is live,
      // not missed, or the edit would leave a gap after the last interval.
      const cursor = ends.get(dag.id);
      const sinceEdit =
        ticking &&
        edited.has(dag.id) &&
        cursor !== undefined &&
        cursor < liveSince &&
        now.getTime() - cursor.getTime() <= gap;
      const intervals = dueIntervals({
        schedule,
        now,
        cursor,
        liveSince: sinceEdit ? cursor : liveSince,
        catchup: dag.catchup,
        catchupWindowMs: dag.catchupWindowMs,
        startDate: dag.startDate,
      });
      const runs = await createRuns(
        this.#o.store.pool,
        dag.id,
        "scheduled",
        intervals,
        now,
      );
      for (const run of runs) this.#emit({ type: "run-created", run });
      created.push(...runs);
    }
    return created;
  }

  async #startRuns(active: DagDefinition[], now: Date) {
    const plans = active.map((dag) => ({
      dagId: dag.id,
      maxActiveRuns: dag.maxActiveRuns,
      overlap: dag.overlap,
      taskIds: dag.tasks.map((t) => t.id),
      maxTries: dag.retries + 1,
    }));
    const result = await withSchedulingLock(
      this.#o.store.pool,
      "starting runs",
      (client) => startRuns(client, plans, now),
    );
    for (const run of result.started) this.#emit({ type: "run-started", run });
    for (const run of result.skipped) {
      log.info("run.skipped", { dag: run.dagId, run: run.id });
      this.#emit({ type: "run-skipped", run });
    }
    return result;
  }

  async #advanceRuns(loaded: Map<string, DagDefinition>, now: Date) {
    const pool = this.#o.store.pool;
    const runs = await runningRuns(pool, [...loaded.keys()]);
    if (runs.length === 0) return [];
    const ids = runs.map((r) => r.id);
    const rows = await taskRows(pool, ids);
    const cancelling = await cancelRequested(pool, ids);
    const finished: DagRun[] = [];
    for (const run of runs) {
      const dag = loaded.get(run.dagId)!;
      const verdict = judgeRun(
        dag,
        rows.filter((r) => r.runId === run.id),
        cancelling.has(run.id),
      );
      for (const { taskIds, state, reason } of verdict.close) {
        await closeWaiting(pool, run.id, taskIds, state, reason, now);
      }
      if (!verdict.final) continue;
      const done = await finishRun(pool, run.id, verdict.final, now);
      if (!done) continue;
      finished.push(done);
      log.info("run.finished", {
        dag: done.dagId,
        run: done.id,
        state: done.state,
      });
      this.#emit({ type: "run-finished", run: done });
      const messages = await runNotifications(
        this.#o.store,
        dag,
        done,
        this.#clock.now(),
      );
      for (const message of messages) this.#send(dag, message);
    }
    return finished;
  }

  async #claimTasks(active: DagDefinition[], now: Date): Promise<number> {
    if (this.#o.executor) return this.#handOut(this.#o.executor, active, now);
    const capacity = (this.#o.maxTasks ?? 8) - this.#inflight.size;
    if (capacity <= 0 || active.length === 0 || this.stopping) return 0;
    const byId = new Map(active.map((d) => [d.id, d]));
    const defaultCap = this.#o.maxTasksPerConnection ?? 4;
    const caps = this.#o.connectionCaps ?? {};

    const claimed = await withSchedulingLock(
      this.#o.store.pool,
      "claiming tasks",
      async (client) => {
        const runs = await runningRuns(client, [...byId.keys()], true);
        if (runs.length === 0) return [];
        const rows = await taskRows(
          client,
          runs.map((r) => r.id),
        );
        const load = await runningLoad(client);
        const picks = pickTasks({
          runs: runs.map((run) => ({ run, dag: byId.get(run.dagId)! })),
          rows,
          now,
          capacity,
          runningByDag: load.byDag,
          runningByPool: load.byPool,
          poolCap: (name) => caps[name] ?? defaultCap,
        });
        const out = [];
        for (const pick of picks) {
          const instance = await claim(client, pick, this.worker, now);
          const run = runs.find((r) => r.id === pick.runId)!;
          if (instance) out.push({ instance, run, dag: byId.get(pick.dagId)! });
        }
        return out;
      },
    );
    for (const { instance, run, dag } of claimed) {
      this.#launch(dag, run, instance);
    }
    return claimed.length;
  }

  /**
   * Hands the ready tasks to the workers. The caps are counted here only to
   * hand out no more than could start; the worker's claim decides, under
   * the scheduling lock, so no lock is taken here.
   */
  async #handOut(
    executor: RemoteExecutor,
    active: DagDefinition[],
    now: Date,
  ): Promise<number> {
    if (active.length === 0 || this.stopping) return 0;
    const pool = this.#o.store.pool;
    const byId = new Map(active.map((d) => [d.id, d]));
    const defaultCap = this.#o.maxTasksPerConnection ?? 4;
    const caps = this.#o.connectionCaps ?? {};
    const runs = await runningRuns(pool, [...byId.keys()], true);
    if (runs.length === 0) return 0;
    const rows = await taskRows(
      pool,
      runs.map((r) => r.id),
    );
    const load = await runningLoad(pool);
    const picks = pickTasks({
      runs: runs.map((run) => ({ run, dag: byId.get(run.dagId)! })),
      rows,
      now,
      capacity: Number.POSITIVE_INFINITY,
      runningByDag: load.byDag,
      runningByPool: load.byPool,
      poolCap: (name) => caps[name] ?? defaultCap,
    });
    if (picks.length === 0) return 0;
    const tries = new Map(rows.map((r) => [`${r.runId}/${r.taskId}`, r]));
    await executor.enqueue(
      picks.map(({ runId, dagId, taskId }) => ({
        runId,
        dagId,
        taskId,
        tryNumber: tries.get(`${runId}/${taskId}`)!.tryNumber + 1,
      })),
    );
    return picks.length;
  }

  #launch(
    dag: DagDefinition,
    run: DagRun,
    instance: Parameters<typeof executeTry>[2],
  ): void {
    const key = `${instance.runId}/${instance.taskId}`;
    const { runId, taskId, tryNumber } = instance;
    this.#emit({
      type: "task-started",
      dagId: dag.id,
      runId,
      taskId,
      tryNumber,
    });
    const work = executeTry(dag, run, instance, {
      store: this.#o.store,
      clock: this.#clock,
      heartbeatMs: this.#o.heartbeatMs ?? 5000,
      abandonMs: this.#o.abandonMs ?? 30_000,
      shutdown: this.#shutdown.signal,
      ...(this.#o.runOptions ? { runOptions: this.#o.runOptions } : {}),
      ...(this.#o.random ? { random: this.#o.random } : {}),
    })
      .then((outcome) => {
        this.#emit({
          type: "task-finished",
          dagId: dag.id,
          runId,
          taskId,
          tryNumber,
          state: outcome.state,
          ...(outcome.error === undefined ? {} : { error: outcome.error }),
          ...(outcome.errorCode ? { errorCode: outcome.errorCode } : {}),
          ...(outcome.nextTryAt ? { nextTryAt: outcome.nextTryAt } : {}),
        });
        if (outcome.nextTryAt) this.#wakeAt(outcome.nextTryAt);
      })
      .catch((error: unknown) => {
        // The lease stays running; heartbeat expiry hands it back.
        log.error("task.end_not_recorded", { run: runId, task: taskId, error });
      })
      .finally(() => {
        this.#inflight.delete(key);
        if (!this.stopping) this.kick();
      });
    this.#inflight.set(key, work);
  }

  /** A pass when a retry comes due, sooner than the next wake. */
  #wakeAt(at: Date): void {
    const delay = Math.max(0, at.getTime() - this.#clock.now().getTime());
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (!this.stopping) this.kick();
    }, delay + 5);
    timer.unref();
    this.#timers.add(timer);
  }

  #send(dag: DagDefinition, body: RunNotification): void {
    const { dagId, runId, event } = body;
    const sending = (async () => {
      try {
        const url = resolveConfigurable(
          dag.notify!.webhook,
          `DAG "${dag.id}" (notify.webhook)`,
          this.#o.runOptions?.env,
        );
        if (!url) throw new Error("notify.webhook resolved to nothing");
        await this.#notifier(url, body);
        this.#emit({ type: "notified", dagId, runId, event, delivered: true });
      } catch (error) {
        log.warn("notify.failed", { dag: dagId, run: runId, event, error });
        this.#emit({
          type: "notified",
          dagId,
          runId,
          event,
          delivered: false,
          error: errorMessage(error),
        });
      }
    })();
    this.#notifying.add(sending);
    void sending.finally(() => this.#notifying.delete(sending));
  }
}
