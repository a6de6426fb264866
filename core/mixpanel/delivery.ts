/**
 * Delivering one batch and deciding the fate of each of its records.
 *
 * - 413: the batch is halved by bytes and each half delivered in turn; a
 *   single record that still draws 413 is rejected as too large.
 * - /import 400 with `failed_records`: each failure's `index` (a position in
 *   the request actually sent) is mapped back to the record's key; the
 *   others were ingested. Bare-string failures reject the whole request
 *   when nothing was imported.
 * - /engage, /groups failure bodies (`0`, `{"status":0,"error":e}`): the
 *   batch is bisected to isolate the bad updates when every update is
 *   idempotent; a batch holding `$add`/`$append` is rejected whole with
 *   reason e instead, because resending it could apply the good updates
 *   twice.
 */
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";

import type { Logger } from "../util/log.ts";
import { encodeBody, splitByBytes, type BatchItem } from "./batching.ts";
import { MixpanelError } from "./mixpanel-error.ts";
import { parseImportReply, parseProfileReply } from "./responses.ts";
import type { Endpoint, Transport, TransportCounters } from "./transport.ts";
import type { RecordKind, Rejection } from "./types.ts";

const gzip = promisify(gzipCallback);

/** A record waiting to be sent, with what the retry rules need to know. */
export interface SendItem<K> extends BatchItem<K> {
  /** `$add`/`$append` updates must not be applied twice. */
  idempotent: boolean;
}

export interface DeliveryOutcome<K> {
  delivered: K[];
  rejected: Rejection<K>[];
}

export interface DeliveryContext {
  connection: string;
  transport: Transport;
  endpoint: Endpoint;
  kind: RecordKind;
  /** gzip level 1–9; 0 sends the body uncompressed. */
  gzipLevel: number;
  log: Logger;
  counters: TransportCounters;
  signal: AbortSignal;
}

export async function deliver<K>(
  ctx: DeliveryContext,
  items: readonly SendItem<K>[],
): Promise<DeliveryOutcome<K>> {
  const outcome: DeliveryOutcome<K> = { delivered: [], rejected: [] };
  await deliverInto(ctx, items, outcome);
  return outcome;
}

async function deliverInto<K>(
  ctx: DeliveryContext,
  items: readonly SendItem<K>[],
  out: DeliveryOutcome<K>,
): Promise<void> {
  const format = ctx.kind === "events" ? "ndjson" : "array";
  const raw = encodeBody(items, format);
  const gzipped = ctx.gzipLevel > 0;
  const body = gzipped ? await gzip(raw, { level: ctx.gzipLevel }) : raw;
  const idempotent = items.every((item) => item.idempotent);

  const reply = await ctx.transport.post(
    ctx.endpoint,
    body,
    { rawBytes: raw.length, gzipped, signal: ctx.signal, idempotent },
    ctx.counters,
  );

  if (reply.status === 413) {
    if (items.length === 1) {
      out.rejected.push(tooLarge(items[0]!, raw.length));
      return;
    }
    const [left, right] = splitByBytes(items);
    ctx.log.info("mixpanel.split", {
      endpoint: ctx.endpoint.path,
      records: items.length,
      bytes: raw.length,
    });
    await deliverInto(ctx, left, out);
    await deliverInto(ctx, right, out);
    return;
  }

  if (ctx.kind === "events") {
    mapImportReply(ctx, items, reply.status, reply.text, out);
  } else {
    await mapProfileReply(ctx, items, idempotent, reply.text, out);
  }
}

function tooLarge<K>(item: SendItem<K>, bytes: number): Rejection<K> {
  return {
    key: item.key,
    field: "",
    message: `record is too large for one request (${bytes} bytes, HTTP 413)`,
    source: "mixpanel",
  };
}

function mapImportReply<K>(
  ctx: DeliveryContext,
  items: readonly SendItem<K>[],
  status: number,
  text: string,
  out: DeliveryOutcome<K>,
): void {
  const reply = parseImportReply(status, text);
  if (!reply) {
    throw new MixpanelError(
      "MIXPANEL_BAD_REQUEST",
      `Mixpanel refused a ${ctx.endpoint.path} request of connection ` +
        `"${ctx.connection}" with ` +
        `${items.length} events as malformed (HTTP ${status}: ` +
        `${text.slice(0, 200)}); this is a backflow bug, please report it.`,
      {
        connection: ctx.connection,
        endpoint: ctx.endpoint.path,
        status,
        attempts: 1,
      },
    );
  }

  if (reply.batchReasons.length > 0 && reply.imported === 0) {
    const message = reply.batchReasons.join("; ");
    for (const item of items) {
      out.rejected.push({
        key: item.key,
        field: "",
        message,
        source: "mixpanel",
      });
    }
    return;
  }

  const failedAt = new Set<number>();
  for (const failure of reply.failed) {
    const item = items[failure.index];
    if (!item || failedAt.has(failure.index)) {
      ctx.log.warn("mixpanel.failed_record_out_of_range", {
        index: failure.index,
        records: items.length,
      });
      continue;
    }
    failedAt.add(failure.index);
    out.rejected.push({
      key: item.key,
      field: failure.field,
      message: failure.message,
      source: "mixpanel",
    });
  }
  if (status === 400 && reply.imported + failedAt.size !== items.length) {
    ctx.log.warn("mixpanel.import_count_mismatch", {
      records: items.length,
      imported: reply.imported,
      failed: failedAt.size,
      reasons: reply.batchReasons,
    });
  }
  items.forEach((item, i) => {
    if (!failedAt.has(i)) out.delivered.push(item.key);
  });
}

async function mapProfileReply<K>(
  ctx: DeliveryContext,
  items: readonly SendItem<K>[],
  idempotent: boolean,
  text: string,
  out: DeliveryOutcome<K>,
): Promise<void> {
  const reply = parseProfileReply(text);
  if (reply.ok) {
    for (const item of items) out.delivered.push(item.key);
    return;
  }
  if (items.length > 1 && idempotent) {
    const [left, right] = splitByBytes(items);
    await deliverInto(ctx, left, out);
    await deliverInto(ctx, right, out);
    return;
  }
  const field = /^(\$?[\w.]+), /.exec(reply.error)?.[1] ?? "";
  for (const item of items) {
    out.rejected.push({
      key: item.key,
      field,
      message: reply.error,
      source: "mixpanel",
    });
  }
}
