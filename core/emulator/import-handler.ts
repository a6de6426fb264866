/**
 * `POST /import` (spec §3, §11.5, §12a): auth, limits, per-event
 * validation, de-duplicated storage and Mixpanel's response shapes.
 */
import {
  IDENTITY_EVENT_REJECTION,
  IDENTITY_EVENTS,
  LIMITS,
  validateImportEvent,
} from "../mixpanel/rules.ts";
import type { ApiRequest } from "./api-request.ts";
import { decodeBody, flag } from "./api-request.ts";
import { UNAUTHORIZED_MESSAGE, authenticateImport } from "./auth.ts";
import type { Reply } from "./responses.ts";
import {
  VALIDATION_FAILED,
  errorReply,
  json,
  rateLimited,
} from "./responses.ts";
import type { EmulatorState } from "./state.ts";
import { storedEvent } from "./stored-event.ts";

export interface FailedRecord {
  index: number;
  insert_id: string;
  field: string;
  message: string;
}

interface Outcome {
  imported: number;
  failed: Array<FailedRecord | string>;
}

const ENDPOINT = "/import";

function insertIdOf(record: unknown): string {
  const properties = (record as { properties?: { $insert_id?: unknown } })
    ?.properties;
  const id = properties?.$insert_id;
  return typeof id === "string" ? id : "";
}

function isIdentityEvent(record: unknown): boolean {
  return IDENTITY_EVENTS.has((record as { event?: unknown })?.event as string);
}

/** Handles one /import request; `records` is reported to the request log. */
export function handleImport(
  request: ApiRequest,
  state: EmulatorState,
  note: { records: number },
): Reply {
  const project = authenticateImport(
    request.headers.authorization,
    request.query.get("project_id"),
    state.projects,
  );
  if (!project) return errorReply("import", 401, UNAUTHORIZED_MESSAGE);

  const limit = state.options.maxRequestBytes ?? LIMITS.maxImportBytes;
  const body = decodeBody(request, limit);
  const records = body.records;
  note.records = records.length;
  if (records.length === 0) {
    return errorReply("import", 400, "request must contain at least 1 event");
  }
  if (records.length > LIMITS.maxEventsPerRequest) {
    const max = LIMITS.maxEventsPerRequest;
    return errorReply(
      "import",
      413,
      `request exceeds max limit of ${max} events`,
    );
  }
  const wait = state.faults.throttle(records.length);
  if (wait > 0) return rateLimited("import", wait);

  const strict = flag(request, body.form, "strict") === "1";
  const verbose = flag(request, body.form, "verbose") === "1";
  const simplified = project.identityMode === "simplified";
  const outcome: Outcome = { imported: 0, failed: [] };

  if (strict && simplified && records.some(isIdentityEvent)) {
    // The whole batch is refused, with bare-string failed_records.
    records.forEach((record, index) => {
      const message = IDENTITY_EVENT_REJECTION;
      state.reject(ENDPOINT, index, { field: "event", message });
      if (isIdentityEvent(record)) outcome.failed.push(message);
    });
    return json(400, {
      code: 400,
      error: VALIDATION_FAILED,
      num_records_imported: 0,
      status: "Bad Request",
      failed_records: outcome.failed,
    });
  }

  const now = state.clock();
  const extra = {
    $import: true,
    mp_processing_time_ms: now,
    $mp_api_endpoint: state.options.apiEndpoint ?? "api.mixpanel.com",
  };
  records.forEach((record, index) => {
    const json = JSON.stringify(record);
    const violation =
      validateImportEvent(record, {
        nowMs: now,
        identityMode: project.identityMode,
        strict,
        jsonBytes: Buffer.byteLength(json ?? ""),
        replacementCharIsInvalid: body.badUtf8,
      }) ??
      (simplified && isIdentityEvent(record)
        ? { field: "event", message: IDENTITY_EVENT_REJECTION }
        : null);
    if (violation) {
      state.reject(ENDPOINT, index, violation);
      outcome.failed.push({
        index,
        insert_id: insertIdOf(record),
        ...violation,
      });
      return;
    }
    outcome.imported += 1;
    const event = record as Parameters<typeof storedEvent>[1];
    if ("$ignore" in event.properties) return;
    const stored = storedEvent(project.projectId, event, extra);
    state.events.put(stored.key, stored.json);
  });

  return importReply(outcome, { strict, verbose, form: body.isForm });
}

function importReply(
  outcome: Outcome,
  mode: { strict: boolean; verbose: boolean; form: boolean },
): Reply {
  const { imported, failed } = outcome;
  if (failed.length > 0 && mode.strict) {
    return json(400, {
      code: 400,
      error: VALIDATION_FAILED,
      num_records_imported: imported,
      status: "Bad Request",
      failed_records: failed,
    });
  }
  // The legacy form path without verbose answers like /track, which is
  // what the official Node SDK checks for.
  if (mode.form && !mode.verbose) {
    return { status: 200, body: imported > 0 || !failed.length ? "1" : "0" };
  }
  if (failed.length > 0) {
    return json(200, {
      code: 200,
      error: VALIDATION_FAILED,
      num_records_imported: imported,
      status: 0,
    });
  }
  if (mode.verbose) {
    return json(200, {
      code: 200,
      error: null,
      num_records_imported: imported,
      status: 1,
    });
  }
  return json(200, { code: 200, num_records_imported: imported, status: "OK" });
}
