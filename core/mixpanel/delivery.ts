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
import type { Logger } from "../util/log.ts";
import { encodeBody, recordBytes, splitPart, type Part } from "./batching.ts";
import { gzipBody } from "./gzip-worker.ts";
import { MixpanelError } from "./mixpanel-error.ts";
import { parseImportReply, parseProfileReply } from "./responses.ts";
import type {
  Endpoint,
  PostTransport,
  TransportCounters,
} from "./transport.ts";
import type { RecordKind, Rejection } from "./types.ts";

export interface DeliveryOutcome<K> {
  delivered: K[];
  rejected: Rejection<K>[];
}

export interface DeliveryContext {
  connection: string;
  transport: PostTransport;
  endpoint: Endpoint;
  kind: RecordKind;
  /** gzip level 1–9; 0 sends the body uncompressed. */
  gzipLevel: number;
  log: Logger;
  counters: TransportCounters;
  signal: AbortSignal;
}

/**
 * Sends a part and reports every record of it as delivered or rejected.
 * @param idempotent false when the part holds `$add`/`$append` updates
 */
export async function deliver<K>(
  ctx: DeliveryContext,
  part: Part<K>,
  idempotent: boolean,
): Promise<DeliveryOutcome<K>> {
  const outcome: DeliveryOutcome<K> = { delivered: [], rejected: [] };
  await deliverInto(ctx, part, idempotent, outcome);
  return outcome;
}

async function deliverInto<K>(
  ctx: DeliveryContext,
  part: Part<K>,
  idempotent: boolean,
  out: DeliveryOutcome<K>,
): Promise<void> {
  const format = ctx.kind === "events" ? "ndjson" : "array";
  const raw = encodeBody(part, format);
  const gzipped = ctx.gzipLevel > 0;
  const body = gzipped ? await gzipBody(raw, ctx.gzipLevel) : raw;

  const reply = await ctx.transport.post(
    ctx.endpoint,
    body,
    {
      rawBytes: raw.length,
      records: part.keys.length,
      gzipped,
      signal: ctx.signal,
      idempotent,
    },
    ctx.counters,
  );

  if (reply.status === 413) {
    // Nothing of a 413 request was applied, so halving is always safe.
    if (part.keys.length === 1) {
      out.rejected.push(tooLarge(part.keys[0]!, recordBytes(part, 0)));
      return;
    }
    const [left, right] = splitPart(part);
    ctx.log.info("mixpanel.split", {
      endpoint: ctx.endpoint.path,
      records: part.keys.length,
      bytes: raw.length,
    });
    await deliverInto(ctx, left, idempotent, out);
    await deliverInto(ctx, right, idempotent, out);
    return;
  }

  if (ctx.kind === "events") {
    mapImportReply(ctx, part, reply.status, reply.text, out);
  } else {
    await mapProfileReply(ctx, part, idempotent, reply.text, out);
  }
}

function tooLarge<K>(key: K, bytes: number): Rejection<K> {
  return {
    key,
    field: "",
    message:
      `record is too large for one request ` +
      `(${bytes} bytes of JSON, HTTP 413)`,
    source: "mixpanel",
  };
}

function mapImportReply<K>(
  ctx: DeliveryContext,
  part: Part<K>,
  status: number,
  text: string,
  out: DeliveryOutcome<K>,
): void {
  const keys = part.keys;
  const reply = parseImportReply(status, text);
  if (!reply) {
    throw new MixpanelError(
      "MIXPANEL_BAD_REQUEST",
      `Mixpanel refused a ${ctx.endpoint.path} request of connection ` +
        `"${ctx.connection}" with ` +
        `${keys.length} events as malformed (HTTP ${status}: ` +
        `${text.slice(0, 200)}); this is a backflow bug, please report it.`,
      {
        connection: ctx.connection,
        endpoint: ctx.endpoint.path,
        status,
        attempts: 1,
      },
    );
  }

  const failedAt = new Set<number>();
  for (const failure of reply.failed) {
    const i = failure.index;
    if (!Number.isInteger(i) || i < 0 || i >= keys.length || failedAt.has(i)) {
      ctx.log.warn("mixpanel.failed_record_out_of_range", {
        index: i,
        records: keys.length,
      });
      continue;
    }
    failedAt.add(i);
    out.rejected.push({
      key: keys[i]!,
      field: failure.field,
      message: failure.message,
      source: "mixpanel",
      json: part.data.toString("utf8", part.starts[i], part.ends[i]),
    });
  }
  // Bare-string failures carry no index: with nothing imported they are
  // the reason every other record of the request failed.
  const wholeReason =
    reply.batchReasons.length > 0 && reply.imported === 0
      ? reply.batchReasons.join("; ")
      : undefined;
  if (
    wholeReason === undefined &&
    status === 400 &&
    reply.imported + failedAt.size !== keys.length
  ) {
    ctx.log.warn("mixpanel.import_count_mismatch", {
      records: keys.length,
      imported: reply.imported,
      failed: failedAt.size,
      reasons: reply.batchReasons,
    });
  }
  keys.forEach((key, i) => {
    if (failedAt.has(i)) return;
    if (wholeReason === undefined) out.delivered.push(key);
    else {
      out.rejected.push({
        key,
        field: "",
        message: wholeReason,
        source: "mixpanel",
      });
    }
  });
}

async function mapProfileReply<K>(
  ctx: DeliveryContext,
  part: Part<K>,
  idempotent: boolean,
  text: string,
  out: DeliveryOutcome<K>,
): Promise<void> {
  const reply = parseProfileReply(text);
  if (reply.ok) {
    for (const key of part.keys) out.delivered.push(key);
    return;
  }
  if (part.keys.length > 1 && idempotent) {
    const [left, right] = splitPart(part);
    ctx.log.info("mixpanel.bisect", {
      endpoint: ctx.endpoint.path,
      records: part.keys.length,
    });
    await deliverInto(ctx, left, idempotent, out);
    await deliverInto(ctx, right, idempotent, out);
    return;
  }
  // Messages read "[Engage API error: ]<field>, <reason>".
  const field =
    /^(?:\w+ API error: )?(\$?[\w.]+), /.exec(reply.error)?.[1] ?? "";
  for (const key of part.keys) {
    out.rejected.push({
      key,
      field,
      message: reply.error,
      source: "mixpanel",
    });
  }
}
