/**
 * Events (insert only). Each row becomes one `/import` event with a
 * deterministic `$insert_id`, so whatever is sent twice (after a crash, a
 * look-back, a full refresh) is counted once by Mixpanel: delivery is at
 * least once, the effect exactly once.
 *
 * Look-back: a cursor task with `lookbackMs` reads again every row whose
 * cursor lies within that distance before the checkpoint, to catch rows
 * committed late with an older cursor (a long transaction's `now()`).
 * Rows of the window that were already acknowledged are in the ledger and
 * are not sent again; the ledger keeps only the keys of the current window
 * and of rows acknowledged ahead of the checkpoint (out of order).
 */
import type { EventsTask } from "../builder/dag-definition.ts";
import { compileMapper } from "../mapping/compile-mapper.ts";
import {
  compileEventEncoder,
  type EventEncoder,
} from "../mapping/event-encoder.ts";
import { keyText } from "../mapping/insert-id.ts";
import type { MappedEvent, RowMapper } from "../mapping/map-result.ts";
import type { MixpanelSender } from "../mixpanel/sender.ts";
import type { BatchAck, MixpanelEvent } from "../mixpanel/types.ts";
import { CopyRowReader } from "../source/copy-rows.ts";
import type { CopyColumn, CopyPage } from "../source/copy-stream.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { CURSOR_TEXT, CURSOR_US } from "./keyset-sql.ts";
import { copyReadsAllowed, mapsWithoutFunctions } from "./read-method.ts";
import {
  mappingRejected,
  nullCursorRejected,
  recordRejected,
} from "./rejections.ts";
import type { RejectedRow, SyncTaskIo } from "./sync-io.ts";
import {
  SyncRun,
  type Admitted,
  type Pass,
  type Row,
  type Tracked,
} from "./sync-run.ts";
import type { LedgerEntry } from "./task-state.ts";

interface EventItem extends Tracked {
  /** The record, when the general mapper made one (not the fast path). */
  readonly record?: MappedEvent;
}

/** What the COPY fast path needs for one set of columns. */
interface FastPath {
  readonly columns: readonly CopyColumn[];
  readonly reader: CopyRowReader;
  readonly encoder: EventEncoder | undefined;
  readonly cursorText: number | undefined;
  readonly cursorUs: number | undefined;
}

type Rejected = { row: Tracked; rejected: RejectedRow };

export class EventsRun extends SyncRun {
  readonly #map: RowMapper<MappedEvent>;
  readonly #sender: MixpanelSender<MixpanelEvent, EventItem>;
  #ledger = new Set<string>();
  #pendingLedger: LedgerEntry[] = [];
  readonly #fastAllowed: boolean;
  #fast: FastPath | undefined;

  constructor(task: EventsTask, io: SyncTaskIo) {
    super(task, io);
    this.#map = compileMapper(task, { token: io.client.connection.token });
    this.#fastAllowed = copyReadsAllowed() && mapsWithoutFunctions(task);
    this.#sender = io.client.createSender<EventItem>("events", {
      // No signal: a stop lets the batches in flight finish (SyncRun
      // aborts the sender itself on a failure).
      onBatch: (ack) => this.#onBatch(ack),
    });
  }

  #lookbackUs(): number {
    return (this.plan.cursor?.lookbackMs ?? 0) * 1000;
  }

  protected override async prepare(): Promise<void> {
    const cp = this.checkpoint;
    if (this.#lookbackUs() === 0 || cp?.mode !== "cursor") return;
    if (cp.cursorUs === undefined) return;
    this.#ledger = await this.state.ledgerKeys(
      cp.cursorUs - this.#lookbackUs(),
    );
  }

  protected async handlePage(rows: Row[], pass: Pass): Promise<void> {
    const rejected: Rejected[] = [];
    for (const row of rows) {
      const item = this.admit(row, pass);
      if (!item || this.#skipped(item, pass, rejected)) continue;
      await this.#mapAndPush(item, row, rejected);
    }
    await this.reject(rejected);
  }

  protected override readsCopy(): boolean {
    return this.#fastAllowed;
  }

  /**
   * The fast path: each row's event is written from the COPY text
   * (event-encoder.ts); a row the encoder declines is built as the cursor
   * path would and mapped the general way.
   */
  protected override async handleCopyPage(
    page: CopyPage,
    pass: Pass,
  ): Promise<void> {
    const fast = this.#fastFor(page);
    const { reader, encoder } = fast;
    if (!encoder) return this.handlePage(page.toRows(), pass);
    const keyColumn = this.plan.key.column;
    const keyAt = fast.columns.findIndex((c) => c.name === keyColumn);
    const rejected: Rejected[] = [];
    for (const part of page.parts) {
      reader.reset(part);
      await this.#encodePart(fast, encoder, keyAt, pass, rejected);
    }
    await this.reject(rejected);
  }

  async #encodePart(
    fast: FastPath,
    encoder: EventEncoder,
    keyAt: number,
    pass: Pass,
    rejected: Rejected[],
  ): Promise<void> {
    const { reader } = fast;
    while (reader.next()) {
      const cursorText =
        fast.cursorText === undefined ? null : reader.text(fast.cursorText);
      const us =
        fast.cursorUs === undefined ? null : reader.text(fast.cursorUs);
      const key = keyText(reader.value(keyAt));
      const item = this.admitKey(
        key,
        cursorText,
        us === null ? undefined : Number(us),
        pass,
      );
      if (!item || this.#skipped(item, pass, rejected)) continue;
      const out = this.#sender.out;
      const start = out.pos;
      if (encoder.encode(reader, key, out)) {
        // The admitted row is the batch's key as it is: no copy per row.
        const wait = this.#sender.commitJson(start, item);
        if (wait) await wait;
        continue;
      }
      out.pos = start;
      const row = reader.row();
      // As `admit` does: the mapper never sees the bookkeeping columns.
      delete row[CURSOR_US];
      delete row[CURSOR_TEXT];
      await this.#mapAndPush(item, row, rejected);
    }
  }

  #fastFor(page: CopyPage): FastPath {
    if (this.#fast?.columns === page.columns) return this.#fast;
    const at = (name: string) => {
      const i = page.columns.findIndex((c) => c.name === name);
      return i < 0 ? undefined : i;
    };
    this.#fast = {
      columns: page.columns,
      reader: new CopyRowReader(page.columns, page.parsers),
      encoder: compileEventEncoder(this.task as EventsTask, page.columns),
      cursorText: this.plan.cursor ? at(CURSOR_TEXT) : undefined,
      cursorUs: this.plan.cursor?.lookbackMs ? at(CURSOR_US) : undefined,
    };
    return this.#fast;
  }

  /** Rows that need no mapping: acknowledged before, or no cursor. */
  #skipped(item: Admitted, pass: Pass, rejected: Rejected[]): boolean {
    if (pass === "main" && item.key !== null && this.#ledger.has(item.key)) {
      // Acknowledged by an earlier run; read again inside the window.
      this.settled(item.key);
      this.finishRow(item);
      return true;
    }
    if (item.cursorNull) {
      rejected.push({
        row: item,
        rejected: nullCursorRejected(
          item.key,
          this.plan.key.column,
          this.plan.cursor!.column,
        ),
      });
      return true;
    }
    return false;
  }

  async #mapAndPush(
    item: Admitted,
    row: Row,
    rejected: Rejected[],
  ): Promise<void> {
    const mapped = this.#map(row);
    if (!mapped.ok) {
      rejected.push({
        row: item,
        rejected: mappingRejected(
          row,
          this.plan.key.column,
          item.key,
          mapped.rejection,
        ),
      });
      return;
    }
    const event: EventItem = {
      index: item.index,
      key: item.key,
      position: item.position,
      record: mapped.record,
    };
    await this.#sender.push(mapped.record as MixpanelEvent, event);
  }

  async #onBatch(ack: BatchAck<EventItem>): Promise<void> {
    const lookback = this.#lookbackUs() > 0;
    for (const item of ack.delivered) {
      this.settled(item.key);
      const us = item.position?.cursorUs;
      if (lookback && us !== undefined && item.key !== null) {
        this.#pendingLedger.push({ key: item.key, cursorUs: us });
      }
    }
    this.counters.recordsSent += ack.delivered.length;
    // Stored before their rows may finish (see SyncRun.reject).
    await this.reject(
      ack.rejected.map((r) => ({
        row: r.key,
        rejected: recordRejected(
          r,
          r.key.key,
          r.key.record ??
            (r.json === undefined ? undefined : JSON.parse(r.json)),
        ),
      })),
    );
    for (const item of ack.delivered) this.finishRow(item);
    await this.commit.flush();
  }

  /** The window's entries: older ones will never be read again. */
  protected override takeLedger(cp: Checkpoint | undefined): LedgerEntry[] {
    const entries = this.#pendingLedger;
    this.#pendingLedger = [];
    if (cp?.mode !== "cursor" || cp.cursorUs === undefined) return entries;
    const floor = cp.cursorUs - this.#lookbackUs();
    return entries.filter((e) => e.cursorUs >= floor);
  }

  protected async flushSender(): Promise<void> {
    await this.#sender.flush();
  }

  protected async abortSender(reason: unknown): Promise<void> {
    await this.#sender.abort(reason);
  }
}
