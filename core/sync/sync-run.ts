/**
 * One run of a sync task, the part events and profiles share: deciding how
 * to read, reading in passes, following which rows are finished, and
 * writing the task's state as Mixpanel acknowledges batches.
 *
 * Passes, in order:
 * 1. retry: rows with an open rejection, read again by key (keyed modes
 *    only; a full read meets them anyway). A key the query no longer
 *    returns is cleared as gone.
 * 2. nulls: rows whose cursor is NULL (cursor mode): reported, never sent.
 * 3. main: the whole query, the interval's slice, or the rows after the
 *    checkpoint, in (cursor, key) or key order.
 * A key handled by the retry pass is skipped later in the same run.
 *
 * Acknowledgement rule: a row counts as synced only once Mixpanel
 * acknowledged every record made from it. A rejected row is stored as
 * rejected (before the checkpoint may pass it) and stays open; it is
 * retried every run until it is delivered, so a refused row is never
 * reported as synced (the defect Census disclosed in 2023–24).
 */
import type { SyncTask } from "../builder/dag-definition.ts";
import { BackflowError } from "../errors.ts";
import { keyText } from "../mapping/insert-id.ts";
import type { TaskCounters } from "../runner/run-events.ts";
import type { CopyPage } from "../source/copy-stream.ts";
import { bindQuery, deferredNames, type SqlQuery } from "../source/sql.ts";
import {
  checkpointAt,
  parseCheckpoint,
  positionOf,
  resumeFrom,
  type Checkpoint,
  type Position,
} from "./checkpoint.ts";
import { GroupCommit } from "./group-commit.ts";
import {
  CURSOR_TEXT,
  CURSOR_US,
  keysQuery,
  mainQuery,
  nullCursorQuery,
} from "./keyset-sql.ts";
import { PrefixTracker } from "./prefix-tracker.ts";
import { planRead, type ReadPlan } from "./read-plan.ts";
import { retryGroups } from "./retry-groups.ts";
import type { RejectedRow, SyncTaskIo } from "./sync-io.ts";
import {
  STATELESS,
  type LedgerEntry,
  type OpenRejection,
  type TaskState,
} from "./task-state.ts";

export type Pass = "retry" | "nulls" | "main";

export type Row = Record<string, unknown>;

/** A row on its way: where it stands in the read, and its key. */
export interface Tracked {
  /** Its number in the main read; -1 outside the checkpointed read. */
  readonly index: number;
  readonly key: string | null;
  readonly position: Position | undefined;
}

/** What `admit` learned about a row before it is mapped. */
export interface Admitted extends Tracked {
  /** The cursor column is NULL (cursor mode). */
  readonly cursorNull: boolean;
}

/**
 * The error a stopped task ends with: a fresh one (several tasks share one
 * stop reason) with the reason's code, so a timeout stays a timeout.
 */
function stopped(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const cause = reason instanceof BackflowError ? reason : undefined;
  return new BackflowError(
    cause?.code ?? "ABORTED",
    reason instanceof Error ? reason.message : "the task was stopped",
    { cause: reason, retryable: cause?.retryable ?? true },
  );
}

/** Keys per statement of the retry pass. */
const RETRY_CHUNK = 1000;

export abstract class SyncRun {
  protected readonly counters: TaskCounters = {
    rowsRead: 0,
    recordsSent: 0,
    rejected: 0,
  };
  protected readonly state: TaskState;
  protected plan!: ReadPlan;
  protected checkpoint: Checkpoint | undefined;
  protected tracker = new PrefixTracker<Position>();
  /** Keys with an open rejection, until cleared in this run. */
  protected readonly open = new Set<string>();
  /** Keys the retry pass handled; the main read skips them. */
  protected readonly retried = new Set<string>();
  /** Whether the main read saw the query to its end. */
  protected complete = false;
  protected readonly commit = new GroupCommit(() => this.#writeCycle());
  #clears: string[] = [];
  #gone: string[] = [];
  #saved: Position | undefined;

  constructor(
    protected readonly task: SyncTask,
    protected readonly io: SyncTaskIo,
  ) {
    this.state = io.state ?? STATELESS;
  }

  /** Reads, sends and records; rejects with `counters` on the error. */
  async run(): Promise<TaskCounters> {
    const query = bindQuery(this.task.from.query, this.io.params);
    this.plan = await planRead(this.task, this.io.source, query);
    if (this.io.fullRefresh) await this.refresh();
    this.checkpoint = parseCheckpoint(
      await this.state.checkpoint(),
      this.plan,
      {
        dagId: this.task.dagId,
        taskId: this.task.id,
      },
    );
    if (this.checkpoint?.mode === "cursor") {
      this.tracker = new PrefixTracker(positionOf(this.checkpoint));
      this.#saved = this.tracker.position;
    }
    const open = await this.state.openRejections();
    for (const r of open) this.open.add(r.rowKey);
    await this.prepare();

    try {
      if (this.plan.mode !== "full") await this.#retryPass(open);
      if (this.plan.mode === "cursor") {
        await this.#read("nulls", nullCursorQuery(query, this.plan));
      }
      await this.#read("main", this.#mainQuery(query));
      this.complete = true;
      await this.afterMain();
      await this.flushSender();
      await this.commit.flush();
      await this.#finish();
    } catch (error) {
      if (this.io.signal.aborted) await this.#drain();
      else await this.abortSender(error);
      if (error instanceof Error && Object.isExtensible(error)) {
        throw Object.assign(error, { counters: { ...this.counters } });
      }
      throw error;
    }
    this.io.onProgress({ ...this.counters });
    return { ...this.counters };
  }

  /**
   * A stop (shutdown, timeout) reads no further but lets the batches in
   * flight finish and the checkpoint follow them, so the next run resumes
   * right there instead of sending them again.
   */
  async #drain(): Promise<void> {
    try {
      await this.flushSender();
      await this.commit.flush();
    } catch (error) {
      await this.abortSender(error);
    }
  }

  /** Forgets the task's state before a full refresh. */
  protected async refresh(): Promise<void> {
    await this.state.clearCheckpoint();
  }

  /** Loads what the kind needs before reading (hashes, ledger). */
  protected async prepare(): Promise<void> {}

  /** Handles one page of rows of a pass. */
  protected abstract handlePage(rows: Row[], pass: Pass): Promise<void>;

  /** After a complete main read, before the final flush (deletes). */
  protected async afterMain(): Promise<void> {}

  protected abstract flushSender(): Promise<void>;
  protected abstract abortSender(reason: unknown): Promise<void>;

  /**
   * Writes the kind's own pending state (hashes, …). Must take its
   * pending work synchronously, before its first await.
   */
  protected takeWrites(): () => Promise<void> {
    return async () => {};
  }

  /** Ledger entries to write with the checkpoint (events only). */
  protected takeLedger(_checkpoint: Checkpoint | undefined): LedgerEntry[] {
    return [];
  }

  /**
   * Reads a row's bookkeeping columns (and removes them, so the mapper
   * never sees them), numbers it and decides whether it is handled here.
   * @returns undefined when the row was already handled in this run
   */
  protected admit(row: Row, pass: Pass): Admitted | undefined {
    const cursor = this.plan.cursor;
    let cursorText: string | null = null;
    let cursorUs: number | undefined;
    if (cursor) {
      // Removed in reverse order of addition, which keeps V8's fast
      // object shape for the row.
      if (cursor.lookbackMs > 0) {
        const us = row[CURSOR_US];
        cursorUs = us === null ? undefined : Number(us);
        delete row[CURSOR_US];
      }
      cursorText = row[CURSOR_TEXT] as string | null;
      delete row[CURSOR_TEXT];
    }
    return this.admitKey(
      keyText(row[this.plan.key.column]),
      cursorText,
      cursorUs,
      pass,
    );
  }

  /**
   * `admit` for a row read without a row object (the COPY fast path):
   * its key text and bookkeeping columns, read by the caller.
   */
  protected admitKey(
    key: string | null,
    cursorText: string | null,
    cursorUs: number | undefined,
    pass: Pass,
  ): Admitted | undefined {
    if (this.io.signal.aborted) throw stopped(this.io.signal);
    this.counters.rowsRead++;
    const cursor = this.plan.cursor;
    const counted = pass === "main" && this.plan.mode !== "full";
    const index = counted ? this.tracker.assign() : -1;
    const position: Position | undefined =
      !counted || key === null || (cursor && cursorText === null)
        ? undefined
        : cursor
          ? {
              key,
              cursor: cursorText!,
              ...(cursorUs === undefined ? {} : { cursorUs }),
            }
          : { key };

    if (key !== null && pass === "retry") this.retried.add(key);
    else if (key !== null && this.retried.has(key)) {
      this.finishRow({ index, key, position });
      return undefined;
    }
    return {
      index,
      key,
      position,
      cursorNull: cursorText === null && !!cursor,
    };
  }

  /** The row's fate is durable: the checkpoint may pass it. */
  protected finishRow(row: Tracked): void {
    if (row.index >= 0) this.tracker.finish(row.index, row.position);
  }

  /** Stores rejections, then lets the checkpoint pass their rows. */
  protected async reject(
    rows: ReadonlyArray<{ row: Tracked; rejected: RejectedRow }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    this.counters.rejected += rows.length;
    await this.io.onRejected(rows.map((r) => r.rejected));
    for (const { row } of rows) {
      if (row.key !== null) this.open.delete(row.key);
      this.finishRow(row);
    }
  }

  /** The row is in Mixpanel as its source says: its rejection clears. */
  protected settled(key: string | null): void {
    if (key === null || !this.open.delete(key)) return;
    this.#clears.push(key);
  }

  async #retryPass(open: readonly OpenRejection[]): Promise<void> {
    const query = this.task.from.query;
    const sliced = deferredNames(query).length > 0;
    for (const { params, keys } of retryGroups(open, this.io.params, sliced)) {
      const base = bindQuery(query, params);
      for (let i = 0; i < keys.length; i += RETRY_CHUNK) {
        const chunk = keys.slice(i, i + RETRY_CHUNK);
        await this.#read("retry", keysQuery(base, this.plan, chunk));
        for (const key of chunk) {
          if (this.retried.has(key) || !this.open.delete(key)) continue;
          this.#gone.push(key);
        }
      }
    }
  }

  /**
   * Whether this run reads with COPY and `handleCopyPage` (a kind with a
   * fast path for its mapping), else with the cursor and `handlePage`.
   */
  protected readsCopy(): boolean {
    return false;
  }

  /** Handles one COPY page of a pass; by default as its rows. */
  protected handleCopyPage(page: CopyPage, pass: Pass): Promise<void> {
    return this.handlePage(page.toRows(), pass);
  }

  async #read(pass: Pass, query: SqlQuery): Promise<void> {
    if (this.readsCopy()) {
      const pages = this.io.source.streamCopy(query, {
        batchSize: this.io.pageSize ?? 5000,
        signal: this.io.signal,
      });
      for await (const page of pages) {
        await this.handleCopyPage(page, pass);
        this.io.onProgress({ ...this.counters });
      }
      return;
    }
    const pages = this.io.source.stream(query, {
      batchSize: this.io.pageSize ?? 5000,
      signal: this.io.signal,
    });
    for await (const rows of pages) {
      await this.handlePage(rows as Row[], pass);
      this.io.onProgress({ ...this.counters });
    }
  }

  #mainQuery(query: SqlQuery): SqlQuery {
    if (this.plan.mode === "full") return query;
    const from = resumeFrom(this.checkpoint, this.plan, this.io.params);
    return mainQuery(query, this.plan, from);
  }

  /** The checkpoint for the finished prefix, when it moved. */
  #nextCheckpoint(): Checkpoint | undefined {
    const position = this.tracker.position;
    if (position === this.#saved) return undefined;
    return checkpointAt(this.plan, position, this.io.params);
  }

  async #writeCycle(): Promise<void> {
    const own = this.takeWrites();
    const clears = this.#clears;
    const gone = this.#gone;
    this.#clears = [];
    this.#gone = [];
    const checkpoint = this.#nextCheckpoint();
    if (checkpoint) this.#saved = this.tracker.position;
    const ledger = this.takeLedger(checkpoint ?? this.checkpoint);
    if (checkpoint) this.checkpoint = checkpoint;

    await own();
    await this.state.clearRejections(clears, "delivered");
    await this.state.clearRejections(gone, "gone");
    if (checkpoint || ledger.length > 0) {
      await this.state.saveProgress(checkpoint, ledger);
    }
  }

  async #finish(): Promise<void> {
    if (this.plan.mode === "interval") {
      const done = checkpointAt(
        this.plan,
        this.tracker.position,
        this.io.params,
        true,
      );
      await this.state.saveProgress(done, []);
    }
    const cp = this.checkpoint;
    const lookback = this.plan.cursor?.lookbackMs ?? 0;
    if (cp?.mode === "cursor" && lookback > 0 && cp.cursorUs !== undefined) {
      await this.state.pruneLedger(cp.cursorUs - lookback * 1000);
    }
    // A complete full read judged every row again: what is still wrong was
    // rejected anew in this run, the rest is fixed or gone.
    if (this.plan.mode === "full" && this.complete) {
      await this.state.clearEarlierRejections();
    }
  }
}
