/**
 * `POST /engage` and `POST /groups` (spec §5, §6, §11.5, §12a): the token
 * inside each update selects the project; valid updates are applied even
 * when others in the batch fail, and the reply says so only as the
 * `verbose` and `strict` flags ask.
 */
import type { Violation } from "../mixpanel/rules.ts";
import { LIMITS, validateProfileUpdate } from "../mixpanel/rules.ts";
import type { ApiRequest } from "./api-request.ts";
import { decodeBody, flag } from "./api-request.ts";
import { rootLogger } from "../util/log.ts";
import type { Reply } from "./responses.ts";
import { errorReply, json, rateLimited } from "./responses.ts";
import type { EmulatorState } from "./state.ts";

export type ProfileEndpoint = "/engage" | "/groups";

const log = rootLogger.child({ scope: "emulator" });

interface Tally {
  good: number;
  firstError: string | null;
}

function identityOf(
  update: Record<string, unknown>,
  kind: "user" | "group",
): Record<string, string> {
  if (kind === "user") return { $distinct_id: String(update.$distinct_id) };
  return {
    $group_key: String(update.$group_key),
    $group_id: String(update.$group_id),
  };
}

/** Applies one update; returns why it was refused, or null. */
function applyUpdate(
  state: EmulatorState,
  endpoint: ProfileEndpoint,
  update: unknown,
  badUtf8: boolean,
): Violation | null {
  const kind = endpoint === "/engage" ? "user" : "group";
  const strictTokens = state.options.unknownToken === "error";
  const violation = validateProfileUpdate(update, kind, {
    knownTokens: strictTokens
      ? new Set(state.projects.map((project) => project.token))
      : undefined,
    unionScalarAsList: true,
    replacementCharIsInvalid: badUtf8,
  });
  if (violation) return violation;

  const record = update as Record<string, unknown>;
  const project = state.projectByToken(record.$token);
  if (!project) return null;
  const groupKey = String(record.$group_key);
  if (
    kind === "group" &&
    state.options.rejectUnknownGroupKeys &&
    !project.groupKeys.has(groupKey)
  ) {
    return { field: "$group_key", message: "$group_key, not a group key" };
  }

  const store = kind === "user" ? state.users : state.groups;
  const identity = identityOf(record, kind);
  const result = store.apply(project.token, identity, record, state.clock());
  if (result === "applied") return null;
  const max = LIMITS.maxProfileProperties;
  return {
    field: "update",
    message: `update, profile would have more than ${max} properties`,
  };
}

export function handleProfiles(
  endpoint: ProfileEndpoint,
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
): Reply {
  if (request.gzip && !state.options.acceptProfileGzip) {
    const message = `gzip-compressed bodies are not accepted on ${endpoint}`;
    return errorReply("profile", 400, message);
  }
  const limit = state.options.maxRequestBytes ?? LIMITS.maxProfileRequestBytes;
  const body = decodeBody(request, limit);
  const updates = body.records;
  note.records = updates.length;
  if (updates.length > LIMITS.maxUpdatesPerRequest) {
    const max = LIMITS.maxUpdatesPerRequest;
    return errorReply("profile", 413, `request exceeds max limit of ${max}`);
  }
  const wait = state.faults.throttle(updates.length);
  if (wait > 0) return rateLimited("profile", wait);

  const tally: Tally = { good: 0, firstError: null };
  updates.forEach((update, index) => {
    const violation = applyUpdate(state, endpoint, update, body.badUtf8);
    if (violation) {
      state.reject(endpoint, index, violation);
      tally.firstError ??= violation.message;
      return;
    }
    tally.good += 1;
    const token = (update as { $token?: unknown }).$token;
    if (!state.projectByToken(token)) {
      // Mixpanel answers success and drops it; say so where it is visible.
      const message = "$token, not a known project token (update dropped)";
      state.reject(endpoint, index, { field: "$token", message });
      log.warn("emulator.unknown_token", { endpoint, index });
    }
  });

  const prefix = endpoint === "/engage" ? "Engage" : "Groups";
  const error = tally.firstError && `${prefix} API error: ${tally.firstError}`;
  const verbose = flag(request, body.form, "verbose");
  const strict = flag(request, body.form, "strict") === "1";

  if (verbose === "2" && error) return json(400, { error, status: 0 });
  if (verbose === "1" || verbose === "2" || strict) {
    return json(200, {
      status: error ? 0 : 1,
      error,
      ...(strict ? { num_good_events: tally.good } : {}),
    });
  }
  return { status: 200, body: tally.good > 0 ? "1" : "0" };
}
