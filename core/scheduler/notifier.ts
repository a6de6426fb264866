/**
 * Webhook notifications: a JSON POST when a run fails, when a run succeeds
 * after a failed one (recovery), and when a run rejected more rows than the
 * DAG's `notify.rejectedRowsAbove`. A webhook that cannot be reached is
 * logged; it never changes the run's outcome.
 *
 * Webhook URLs often carry a token in their path, so each URL is
 * registered as a secret before anything about it can be logged.
 */
import { request } from "undici";

import { BackflowError } from "../errors.ts";
import { registerSecret } from "../util/redact.ts";

export type NotificationEvent =
  "run_failed" | "run_recovered" | "rows_rejected";

/** The body of a webhook POST. */
export interface RunNotification {
  readonly event: NotificationEvent;
  readonly dagId: string;
  readonly runId: number;
  readonly runType: string;
  readonly state: string;
  readonly logicalDate: string;
  readonly dataInterval: { readonly start: string; readonly end: string };
  /** Tasks that failed, with why (failures only). */
  readonly failedTasks?: readonly {
    readonly taskId: string;
    readonly state: string;
    readonly error: string | null;
    readonly errorCode: string | null;
  }[];
  /** Rows the run rejected (rows_rejected only). */
  readonly rejectedRows?: number;
  readonly threshold?: number;
  /** When the scheduler sent it. */
  readonly sentAt: string;
}

/** Delivers one notification; throws when it could not. */
export type Notifier = (url: string, body: RunNotification) => Promise<void>;

export interface WebhookOptions {
  /** Tries per message (default: 3). */
  readonly attempts?: number;
  /** Wait before the second try, doubled after (default: 1000 ms). */
  readonly retryDelayMs?: number;
  /** Per request (default: 10000 ms). */
  readonly timeoutMs?: number;
}

/** A webhook kept refusing or could not be reached. */
export class WebhookError extends BackflowError {
  constructor(message: string) {
    super("NOTIFY_FAILED", message, { retryable: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A notifier that POSTs JSON with undici, retrying 5xx and network errors. */
export function webhookNotifier(options: WebhookOptions = {}): Notifier {
  const attempts = options.attempts ?? 3;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (url, body) => {
    registerSecret(url);
    let problem = "";
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1) {
        await sleep((options.retryDelayMs ?? 1000) * 2 ** (attempt - 2));
      }
      try {
        const response = await request(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        await response.body.dump();
        if (response.statusCode < 300) return;
        problem = `answered HTTP ${response.statusCode}`;
        if (response.statusCode < 500 && response.statusCode !== 429) break;
      } catch (error) {
        problem = `could not be reached (${(error as Error).message})`;
      }
    }
    throw new WebhookError(
      `webhook of DAG "${body.dagId}" ${problem}; the ${body.event} ` +
        `notification for run ${body.runId} was not delivered`,
    );
  };
}
