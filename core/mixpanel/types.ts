/**
 * Records the client sends and what it reports back about them.
 */

/** An `/import` event (mixpanel-api.md §3.1). */
export interface MixpanelEvent {
  event: string;
  properties: {
    time?: number;
    distinct_id?: string;
    $insert_id?: string;
    [name: string]: unknown;
  };
}

/**
 * One `/engage` or `/groups` update: `$distinct_id` (users) or
 * `$group_key` + `$group_id` (groups) plus one operation such as `$set`.
 * `$token` is filled in from the connection when missing.
 */
export type ProfileUpdate = Record<string, unknown>;

export type RecordKind = "events" | "users" | "groups";

/** Where a rejection was decided: before sending, or by Mixpanel. */
export type RejectionSource = "local" | "mixpanel";

export interface Rejection<K> {
  key: K;
  /** The offending field as Mixpanel names it, "" when none applies. */
  field: string;
  message: string;
  source: RejectionSource;
  /** The record as it was sent (Mixpanel's rejections only). */
  json?: string;
}

/** What one batch of a sender came to. */
export interface BatchAck<K> {
  /** Increases by one per batch, in push order. */
  sequence: number;
  /** Every key of the batch, in push order (delivered + rejected). */
  keys: K[];
  delivered: K[];
  rejected: Rejection<K>[];
}

export interface SendResult {
  delivered: number;
  /** `index` is the position in the caller's array; sorted by index. */
  rejected: Array<Omit<Rejection<number>, "key"> & { index: number }>;
  requests: number;
  retries: number;
}

/** Running totals of one sender (or one client call). */
export interface SenderStats {
  batches: number;
  delivered: number;
  rejected: number;
  requests: number;
  retries: number;
  /** Uncompressed body bytes sent, retries included. */
  bytes: number;
  /** Body bytes on the wire (after gzip), retries included. */
  wireBytes: number;
}
