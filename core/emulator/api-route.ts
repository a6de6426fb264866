/**
 * Serves one ingestion API request: reads the body, meets the fault plan
 * (in its documented order), runs the endpoint's handler and logs the
 * request. A reset closes the TCP connection without any reply.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { LIMITS } from "../mixpanel/rules.ts";
import { rootLogger } from "../util/log.ts";
import type { ApiRequest } from "./api-request.ts";
import { BodyError, readBody } from "./body.ts";
import { handleImport } from "./import-handler.ts";
import { handleProfiles } from "./profile-handler.ts";
import type { EndpointStyle, Reply } from "./responses.ts";
import { errorReply, rateLimited, serverError } from "./responses.ts";
import type { EmulatorState, RequestRecord } from "./state.ts";
import { handleTiming } from "./timing-handler.ts";
import { handleTrack } from "./track-handler.ts";

type Handler = (
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
) => Reply;

const HANDLERS: Record<string, Handler> = {
  "/import": handleImport,
  "/engage": (request, state, note) =>
    handleProfiles("/engage", request, state, note),
  "/groups": (request, state, note) =>
    handleProfiles("/groups", request, state, note),
  "/track": handleTrack,
};

const log = rootLogger.child({ scope: "emulator" });

function send(response: ServerResponse, reply: Reply, entry: RequestRecord) {
  entry.status = reply.status;
  response.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  response.end(reply.body);
}

function reset(request: IncomingMessage, entry: RequestRecord): void {
  entry.status = 0;
  request.socket.resetAndDestroy();
}

async function runHandler(
  handler: Handler,
  request: ApiRequest,
  state: EmulatorState,
  entry: RequestRecord,
  style: EndpointStyle,
): Promise<Reply> {
  try {
    if (state.timing) return await handleTiming(request, state, entry);
    return handler(request, state, entry);
  } catch (error) {
    if (error instanceof BodyError) {
      return errorReply(style, error.status, error.message);
    }
    log.error("emulator.handler_failed", { path: request.path, error });
    return errorReply(style, 500, "emulator error");
  }
}

/**
 * The legacy `GET ?data=` form that the official Node SDK still uses for
 * single calls, as a form body; null for anything else.
 */
function getData(request: IncomingMessage): Buffer | null {
  if (request.method !== "GET") return null;
  const match = /[?&]data=([^&]*)/.exec(request.url ?? "");
  return match ? Buffer.from(`data=${match[1]}`) : null;
}

export async function serveApi(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  state: EmulatorState,
): Promise<void> {
  const path = url.pathname;
  const entry: RequestRecord = {
    method: request.method ?? "GET",
    path,
    status: 0,
    contentEncoding: request.headers["content-encoding"] ?? null,
    bytes: 0,
    records: 0,
  };
  state.requests += 1;
  state.requestLog.push(entry);

  const handler = HANDLERS[path];
  const style: EndpointStyle = path === "/import" ? "import" : "profile";
  if (!handler) {
    request.resume();
    return send(response, errorReply(style, 404, `no endpoint ${path}`), entry);
  }
  const queryData = getData(request);
  if (request.method !== "POST" && queryData === null) {
    request.resume();
    const reply = errorReply(style, 405, `use POST for ${path}`);
    return send(response, reply, entry);
  }

  let wire: Buffer;
  try {
    const limit = state.options.maxRequestBytes ?? LIMITS.maxImportBytes;
    wire =
      queryData ?? (await readBody(request, state.timing ? 1024 ** 3 : limit));
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    return send(response, errorReply(style, 413, error.message), entry);
  }
  entry.bytes = wire.length;

  const faults = state.faults;
  const delay = faults.latencyMs(path);
  if (delay > 0) await sleep(delay);
  if (faults.fires("resetBefore", path)) return reset(request, entry);
  const plan = faults.current;
  if (plan.status429 && faults.fires("status429", path)) {
    const reply = rateLimited(style, plan.status429.retryAfterSeconds);
    return send(response, reply, entry);
  }
  if (plan.status5xx && faults.fires("status5xx", path)) {
    const { status, body } = plan.status5xx;
    return send(response, serverError(status, body), entry);
  }

  const apiRequest: ApiRequest = {
    method: entry.method,
    path,
    query: url.searchParams,
    headers: request.headers,
    wire,
    gzip: /gzip/i.test(entry.contentEncoding ?? ""),
  };
  const reply = await runHandler(handler, apiRequest, state, entry, style);

  if (faults.fires("resetAfter", path)) return reset(request, entry);
  if (faults.fires("truncated", path)) {
    reply.body = reply.body.slice(0, Math.ceil(reply.body.length / 2));
  }
  send(response, reply, entry);
}
