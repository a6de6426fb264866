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
import type { MappedEvent, RowMapper } from "../mapping/map-result.ts";
import type { MixpanelSender } from "../mixpanel/sender.ts";
import type { BatchAck, MixpanelEvent } from "../mixpanel/types.ts";
import type { Checkpoint } from "./checkpoint.ts";
import {
  mappingRejected,
  nullCursorRejected,
  recordRejected,
} from "./rejections.ts";
import type { RejectedRow, SyncTaskIo } from "./sync-io.ts";
import { SyncRun, type Pass, type Row, type Tracked } from "./sync-run.ts";
import type { LedgerEntry } from "./task-state.ts";

interface EventItem extends Tracked {
  readonly record: MappedEvent;
}

export class EventsRun extends SyncRun {
  readonly #map: RowMapper<MappedEvent>;
  readonly #sender: MixpanelSender<MixpanelEvent, EventItem>;
  #ledger = new Set<string>();
  #pendingLedger: LedgerEntry[] = [];

  constructor(task: EventsTask, io: SyncTaskIo) {
    super(task, io);
    this.#map = compileMapper(task, { token: io.client.connection.token });
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
    const rejected: Array<{ row: Tracked; rejected: RejectedRow }> = [];
    const keyColumn = this.plan.key.column;
    for (const row of rows) {
      const item = this.admit(row, pass);
      if (!item) continue;
      if (pass === "main" && item.key !== null && this.#ledger.has(item.key)) {
        // Acknowledged by an earlier run; read again inside the window.
        this.settled(item.key);
        this.finishRow(item);
        continue;
      }
      if (item.cursorNull) {
        rejected.push({
          row: item,
          rejected: nullCursorRejected(
            item.key,
            keyColumn,
            this.plan.cursor!.column,
          ),
        });
        continue;
      }
      const mapped = this.#map(row);
      if (!mapped.ok) {
        rejected.push({
          row: item,
          rejected: mappingRejected(row, keyColumn, item.key, mapped.rejection),
        });
        continue;
      }
      const event: EventItem = {
        index: item.index,
        key: item.key,
        position: item.position,
        record: mapped.record,
      };
      await this.#sender.push(mapped.record as MixpanelEvent, event);
    }
    await this.reject(rejected);
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
        rejected: recordRejected(r, r.key.key, r.key.record),
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
