/**
 * The runner's recorder backed by the metadata store: a run record per run
 * and per task, counters while tasks go, rejected rows with their reasons.
 *
 * Counters arrive many times a second; they are written as deltas at most
 * once per `flushMs`, and always before a task's end is recorded, so the
 * stored totals equal the summary's.
 */
import { hostname } from "node:os";
import type { DagDefinition, TaskKind } from "../builder/dag-definition.ts";
import type { MetadataStore } from "../store/index.ts";
import type { TaskState } from "../store/records.ts";
import { createLogger } from "../util/log.ts";
import type { RunSummary, TaskCounters, TaskSummary } from "./run-events.ts";
import type { RunRecorder, RunStart } from "./run-recorder.ts";
import type { RejectedRow } from "./sync-task.ts";
import {
  logRowsRejected,
  logTaskFinished,
  logTaskStarted,
} from "./task-log.ts";

const log = createLogger({ scope: "store-recorder" });

interface Pending {
  written: TaskCounters;
  latest: TaskCounters;
  lastWrite: number;
  chain: Promise<void>;
}

const STATE: Record<TaskSummary["state"], TaskState> = {
  pending: "queued",
  running: "running",
  success: "success",
  failed: "failed",
  upstream_failed: "upstream_failed",
};

export class StoreRecorder implements RunRecorder {
  readonly #store: MetadataStore;
  readonly #flushMs: number;
  readonly #tasks = new Map<string, Pending>();
  readonly #worker = `${hostname()}:${process.pid}`;

  constructor(store: MetadataStore, options: { flushMs?: number } = {}) {
    this.#store = store;
    this.#flushMs = options.flushMs ?? 1000;
  }

  async startRun(dag: DagDefinition, start: RunStart): Promise<string> {
    const { run } = await this.#store.runs.createRun({
      dagId: dag.id,
      runType: "manual",
      logicalDate: start.interval.start,
      dataInterval: start.interval,
      state: "running",
    });
    await this.#store.runs.queueTasks(
      run.id,
      dag.tasks.map((t) => t.id),
    );
    return String(run.id);
  }

  async startTask(runId: string, taskId: string, _kind: TaskKind) {
    await this.#store.runs.startTask({
      runId: Number(runId),
      taskId,
      worker: this.#worker,
    });
    await logTaskStarted(this.#store, Number(runId), taskId);
    const zero = { rowsRead: 0, recordsSent: 0, rejected: 0 };
    this.#tasks.set(`${runId}/${taskId}`, {
      written: zero,
      latest: zero,
      lastWrite: Date.now(),
      chain: Promise.resolve(),
    });
  }

  progress(runId: string, taskId: string, counters: TaskCounters): void {
    const pending = this.#tasks.get(`${runId}/${taskId}`);
    if (!pending) return;
    pending.latest = { ...counters };
    if (Date.now() - pending.lastWrite < this.#flushMs) return;
    this.#write(runId, taskId, pending);
  }

  #write(runId: string, taskId: string, pending: Pending): Promise<void> {
    pending.lastWrite = Date.now();
    pending.chain = pending.chain.then(async () => {
      const { written, latest } = pending;
      const delta = {
        rowsRead: latest.rowsRead - written.rowsRead,
        recordsSent: latest.recordsSent - written.recordsSent,
        recordsRejected: latest.rejected - written.rejected,
      };
      if (!delta.rowsRead && !delta.recordsSent && !delta.recordsRejected) {
        return;
      }
      pending.written = latest;
      await this.#store.runs
        .updateTaskCounters(Number(runId), taskId, delta)
        .catch((error: unknown) => {
          // Progress is advisory; the task's end writes the totals again.
          pending.written = written;
          log.warn("counters_not_written", { run: runId, task: taskId, error });
        });
    });
    return pending.chain;
  }

  async rejected(runId: string, taskId: string, rows: RejectedRow[]) {
    // Open until delivered; older open rejections of the same keys are
    // superseded (see OpenRejectionRepository.record).
    await this.#store.sync.rejections.record(Number(runId), taskId, rows);
    await logRowsRejected(this.#store, Number(runId), taskId, rows);
  }

  async finishTask(runId: string, summary: TaskSummary): Promise<void> {
    const key = `${runId}/${summary.taskId}`;
    const pending = this.#tasks.get(key);
    if (pending) {
      pending.latest = {
        rowsRead: summary.rowsRead,
        recordsSent: summary.recordsSent,
        rejected: summary.rejected,
      };
      await this.#write(runId, summary.taskId, pending);
      this.#tasks.delete(key);
    }
    await this.#store.runs.finishTask({
      runId: Number(runId),
      taskId: summary.taskId,
      state: STATE[summary.state] as Exclude<TaskState, "queued" | "running">,
      ...(summary.error ? { error: summary.error } : {}),
    });
    await logTaskFinished(this.#store, Number(runId), summary);
  }

  async finishRun(runId: string, summary: RunSummary): Promise<void> {
    await this.#store.runs.finishRun(Number(runId), summary.state);
  }
}
