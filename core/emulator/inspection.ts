/**
 * The `/_emulator/*` routes through which tests and users see what the
 * emulator holds and steer its faults. They are not counted as API requests.
 *
 *   GET  /_emulator/stats       {events, duplicates, profiles, groups,
 *                                rejected, requests}
 *   GET  /_emulator/events      NDJSON, one stored event per line
 *   GET  /_emulator/profiles    JSON array of {$distinct_id, $properties}
 *   GET  /_emulator/groups      JSON array of {$group_key, $group_id,
 *                                $properties}
 *   GET  /_emulator/rejections  JSON array of {endpoint, index, field, message}
 *   GET  /_emulator/requests    JSON array of {method, path, status,
 *                                contentEncoding, bytes, records}
 *   GET  /_emulator/faults      the current fault plan
 *   GET  /_emulator/faults/fired how often each fault fired under it
 *   POST /_emulator/faults      replace the fault plan (see fault-plan.ts)
 *   POST /_emulator/reset       forget all data, logs and counters
 *
 * `profiles` and `groups` take an optional `?token=` filter.
 */
import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "./body.ts";
import { parseFaultPlan } from "./fault-plan.ts";
import type { EmulatorState } from "./state.ts";

function sendJson(response: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

async function streamEvents(response: ServerResponse, state: EmulatorState) {
  response.writeHead(200, { "content-type": "application/x-ndjson" });
  for (const piece of state.events.ndjson()) {
    if (!response.write(piece)) await once(response, "drain");
  }
  response.end();
}

async function postFaults(
  request: IncomingMessage,
  response: ServerResponse,
  state: EmulatorState,
) {
  const text = (await readBody(request, 1024 * 1024)).toString("utf8");
  let input: unknown;
  try {
    input = text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    return sendJson(response, 400, { error: `invalid JSON: ${String(error)}` });
  }
  const parsed = parseFaultPlan(input);
  if (!parsed.ok) return sendJson(response, 400, { error: parsed.error });
  state.faults.setPlan(parsed.plan);
  sendJson(response, 200, { ok: true, faults: parsed.plan });
}

/** Serves one inspection request. */
export async function handleInspection(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  state: EmulatorState,
): Promise<void> {
  const route = `${request.method} ${url.pathname}`;
  const token = url.searchParams.get("token") ?? undefined;
  switch (route) {
    case "GET /_emulator/stats":
      return sendJson(response, 200, state.stats());
    case "GET /_emulator/events":
      return streamEvents(response, state);
    case "GET /_emulator/profiles":
      return sendJson(response, 200, state.users.list(token));
    case "GET /_emulator/groups":
      return sendJson(response, 200, state.groups.list(token));
    case "GET /_emulator/rejections":
      return sendJson(response, 200, state.rejectionLog.toArray());
    case "GET /_emulator/requests":
      return sendJson(response, 200, state.requestLog.toArray());
    case "GET /_emulator/faults":
      return sendJson(response, 200, state.faults.current);
    case "GET /_emulator/faults/fired":
      return sendJson(response, 200, state.faults.firedCounts());
    case "POST /_emulator/faults":
      return postFaults(request, response, state);
    case "POST /_emulator/reset":
      state.reset();
      return sendJson(response, 200, { ok: true });
    default:
      return sendJson(response, 404, { error: `no route ${route}` });
  }
}
