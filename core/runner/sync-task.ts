/**
 * Runs one sync task: warehouse rows stream in, each row is mapped to a
 * Mixpanel record (or rejected with a reason), and records stream out
 * through the client's pipelined sender.
 *
 * Memory stays bounded: one page of rows is mapped at a time, and `push`
 * waits whenever the sender's in-flight window is full.
 */
import type { SyncTask } from "../builder/dag-definition.ts";
import { compileMapper } from "../mapping/compile-mapper.ts";
import { splitOperations, type ProfileUpdate } from "../mapping/map-result.ts";
import type { MixpanelClient } from "../mixpanel/client.ts";
import type { BatchAck, MixpanelEvent, RecordKind } from "../mixpanel/types.ts";
import type { PostgresSource } from "../source/postgres-source.ts";
import { bindQuery } from "../source/sql.ts";
import type { TaskCounters } from "./run-events.ts";

/** One row that did not reach Mixpanel, and why. */
export interface RejectedRow {
  rowKey: string;
  field: string;
  reason: string;
  source: "mapping" | "local" | "mixpanel";
}

export interface SyncTaskIo {
  source: PostgresSource;
  client: MixpanelClient;
  params: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  /** Rows fetched from the warehouse per round trip (default: 5000). */
  pageSize?: number;
  onProgress(counters: TaskCounters): void;
  onRejected(rows: RejectedRow[]): void | Promise<void>;
}

const KIND: Record<SyncTask["kind"], RecordKind> = {
  events: "events",
  userProfiles: "users",
  groupProfiles: "groups",
};

export async function runSyncTask(
  task: SyncTask,
  io: SyncTaskIo,
): Promise<TaskCounters> {
  const counters: TaskCounters = { rowsRead: 0, recordsSent: 0, rejected: 0 };
  const map = compileMapper(task, { token: io.client.connection.token });

  const onBatch = async (ack: BatchAck<string>) => {
    counters.recordsSent += ack.delivered.length;
    if (ack.rejected.length === 0) return;
    counters.rejected += ack.rejected.length;
    await io.onRejected(
      ack.rejected.map((r) => ({
        rowKey: r.key,
        field: r.field,
        reason: r.message,
        source: r.source,
      })),
    );
  };
  const sender = io.client.createSender<string>(KIND[task.kind] as "events", {
    onBatch,
    signal: io.signal,
  });

  const query = bindQuery(task.from.query, io.params);
  const pages = io.source.stream(query, {
    batchSize: io.pageSize ?? 5000,
    signal: io.signal,
  });

  for await (const rows of pages) {
    const rejected: RejectedRow[] = [];
    for (const row of rows) {
      counters.rowsRead += 1;
      const mapped = map(row);
      if (mapped.ok && task.kind === "events") {
        await sender.push(mapped.record as MixpanelEvent, mapped.key);
      } else if (mapped.ok) {
        // One operation per update object: Mixpanel does not document
        // several in one (spec §5.2).
        for (const update of splitOperations(mapped.record as ProfileUpdate)) {
          await sender.push(update as unknown as MixpanelEvent, mapped.key);
        }
      } else {
        const { rowKey, field, reason } = mapped.rejection;
        rejected.push({ rowKey, field, reason, source: "mapping" });
      }
    }
    if (rejected.length > 0) {
      counters.rejected += rejected.length;
      await io.onRejected(rejected);
    }
    io.onProgress({ ...counters });
  }

  await sender.flush();
  io.onProgress({ ...counters });
  return counters;
}
