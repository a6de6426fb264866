/**
 * What a sync engine receives from the runner for one task run, and what
 * it reports back.
 */
import type { MixpanelClient } from "../mixpanel/client.ts";
import type { PostgresSource } from "../source/postgres-source.ts";
import type { TaskCounters } from "../runner/run-events.ts";
import type { TaskState } from "./task-state.ts";

/** One row that did not reach Mixpanel, and why. */
export interface RejectedRow {
  /** The key column's value as text; null when the row has none. */
  rowKey: string | null;
  field: string;
  reason: string;
  source: "mapping" | "local" | "mixpanel";
  /** A few of the row's values (key and offending field), redacted. */
  excerpt?: Record<string, unknown>;
}

export interface SyncTaskIo {
  source: PostgresSource;
  client: MixpanelClient;
  /** The run's deferred query parameters (`interval.start`, …). */
  params: Readonly<Record<string, unknown>>;
  signal: AbortSignal;
  /** Rows fetched from the warehouse per round trip (default: 5000). */
  pageSize?: number;
  /** What the task remembers between runs (default: nothing). */
  state?: TaskState;
  /** Forget the task's checkpoint and hashes first and send everything. */
  fullRefresh?: boolean;
  onProgress(counters: TaskCounters): void;
  /**
   * Records rejected rows. The engine waits for it before a checkpoint
   * may pass those rows, so it must have stored them when it resolves.
   */
  onRejected(rows: RejectedRow[]): void | Promise<void>;
}
