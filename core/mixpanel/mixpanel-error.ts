/**
 * The one error class the Mixpanel client throws. It carries only fields that
 * are safe to log: no request headers, no bodies, no underlying undici error
 * (whose `cause` chain can hold the Authorization header).
 */
import { BackflowError, type ErrorCode } from "../errors.ts";
import { redact } from "../util/redact.ts";

export type MixpanelErrorCode = Extract<
  ErrorCode,
  | "MIXPANEL_AUTH"
  | "MIXPANEL_RATE_LIMITED"
  | "MIXPANEL_SERVER"
  | "MIXPANEL_NETWORK"
  | "MIXPANEL_BAD_REQUEST"
  | "MIXPANEL_RETRIES_EXHAUSTED"
>;

export interface MixpanelErrorDetails {
  /** The connection's name, as declared in the pipeline. */
  connection: string;
  /** `/import`, `/engage` or `/groups`. */
  endpoint: string;
  /** HTTP status of the last response, when there was one. */
  status?: number;
  /** Requests made for the failing batch, retries included. */
  attempts?: number;
  /** For MIXPANEL_RETRIES_EXHAUSTED: what the last attempt ran into. */
  lastCode?: MixpanelErrorCode;
  retryable?: boolean;
}

export class MixpanelError extends BackflowError {
  declare readonly code: MixpanelErrorCode;
  readonly connection: string;
  readonly endpoint: string;
  readonly status: number | undefined;
  readonly attempts: number | undefined;
  readonly lastCode: MixpanelErrorCode | undefined;

  constructor(
    code: MixpanelErrorCode,
    message: string,
    details: MixpanelErrorDetails,
  ) {
    // No `cause`: see the file comment. The message is redacted once more in
    // case a server echoed something secret back to us.
    super(code, redact(message), { retryable: details.retryable ?? false });
    this.connection = details.connection;
    this.endpoint = details.endpoint;
    this.status = details.status;
    this.attempts = details.attempts;
    this.lastCode = details.lastCode;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      connection: this.connection,
      endpoint: this.endpoint,
      status: this.status,
      attempts: this.attempts,
      lastCode: this.lastCode,
      retryable: this.retryable,
    };
  }
}

/** Text of a response body or low-level error, short and redacted. */
export function safeDetail(text: string, max = 300): string {
  const flat = redact(text).replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
