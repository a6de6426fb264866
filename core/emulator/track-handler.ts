/**
 * `POST /track` (spec §4): the token in each event selects the project; no
 * auth header; events older than 5 days are refused; `1`/`0` replies, or
 * `{status, error}` with `verbose=1`. Never used by syncs, kept small.
 */
import type { Violation } from "../mixpanel/rules.ts";
import { LIMITS, validateImportEvent } from "../mixpanel/rules.ts";
import { timeToMs } from "../mixpanel/rules.ts";
import type { ApiRequest } from "./api-request.ts";
import { decodeBody, flag } from "./api-request.ts";
import type { Reply } from "./responses.ts";
import { errorReply, json, rateLimited } from "./responses.ts";
import type { EmulatorState } from "./state.ts";
import { storedEvent } from "./stored-event.ts";

const FIVE_DAYS_MS = 5 * 24 * 3600 * 1000;

type Event = { event: string; properties: Record<string, unknown> };

function trackOne(
  state: EmulatorState,
  record: unknown,
  badUtf8: boolean,
): Violation | null {
  const now = state.clock();
  const event = record as Event;
  const properties = event?.properties;
  const withTime =
    properties && typeof properties === "object" && properties.time == null
      ? { ...event, properties: { ...properties, time: now } }
      : event;
  const project = state.projectByToken(properties?.token);
  const violation = validateImportEvent(withTime, {
    nowMs: now,
    identityMode: project?.identityMode,
    strict: false,
    replacementCharIsInvalid: badUtf8,
  });
  if (violation) return violation;
  if (timeToMs(withTime.properties.time as number) < now - FIVE_DAYS_MS) {
    const field = "properties.time";
    return { field, message: `'${field}' is invalid: older than 5 days` };
  }
  if (!project && state.options.unknownToken === "error") {
    const field = "properties.token";
    return { field, message: `'${field}' is invalid: unknown project token` };
  }
  if (!project) return null;
  const extra = {
    mp_processing_time_ms: now,
    $mp_api_endpoint: state.options.apiEndpoint ?? "api.mixpanel.com",
  };
  const stored = storedEvent(project.projectId, withTime, extra);
  state.events.put(stored.key, stored.json);
  return null;
}

export function handleTrack(
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
): Reply {
  const limit = state.options.maxRequestBytes ?? LIMITS.maxImportBytes;
  const body = decodeBody(request, limit);
  note.records = body.records.length;
  if (body.records.length > LIMITS.maxEventsPerRequest) {
    const max = LIMITS.maxEventsPerRequest;
    return errorReply("profile", 413, `request exceeds max limit of ${max}`);
  }
  const wait = state.faults.throttle(body.records.length);
  if (wait > 0) return rateLimited("profile", wait);

  let good = 0;
  let error: string | null = null;
  body.records.forEach((record, index) => {
    const violation = trackOne(state, record, body.badUtf8);
    if (violation) {
      state.reject("/track", index, violation);
      error ??= violation.message;
    } else {
      good += 1;
    }
  });
  if (flag(request, body.form, "verbose") === "1") {
    return json(200, { status: good > 0 ? 1 : 0, error });
  }
  return { status: 200, body: good > 0 ? "1" : "0" };
}
