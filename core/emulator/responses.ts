/**
 * Reply bodies in Mixpanel's shapes (spec §3.7, §5.5, §12a). `/import`
 * errors carry `code` and a textual `status`; the profile and track
 * endpoints answer `{"error": …, "status": 0}`.
 */
export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export type EndpointStyle = "import" | "profile";

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
};

export const RATE_LIMIT_MESSAGE =
  "Project exceeded rate limits. Please retry the request with exponential " +
  "backoff.";

export const VALIDATION_FAILED =
  "some data points in the request failed validation";

export function json(status: number, value: unknown): Reply {
  return { status, body: JSON.stringify(value) };
}

/** An error reply for a whole request, in the endpoint's own style. */
export function errorReply(
  style: EndpointStyle,
  status: number,
  message: string,
): Reply {
  if (style === "profile") return json(status, { error: message, status: 0 });
  return json(status, {
    code: status,
    error: message,
    status: STATUS_TEXT[status] ?? "Error",
  });
}

/** A 429; `seconds` null leaves out Retry-After, as some proxies do. */
export function rateLimited(
  style: EndpointStyle,
  seconds: number | null,
): Reply {
  const reply = errorReply(style, 429, RATE_LIMIT_MESSAGE);
  if (seconds === null) return reply;
  return { ...reply, headers: { "retry-after": String(seconds) } };
}

const SERVER_BODIES = {
  json: (status: number) =>
    JSON.stringify({ code: status, error: "internal error", status: 0 }),
  html: (status: number) =>
    `<html><head><title>${status} Server Error</title></head>` +
    `<body><h1>${status} Server Error</h1></body></html>`,
  text: () =>
    "upstream connect error or disconnect/reset before headers. " +
    "reset reason: connection termination",
};

/** An injected 5xx, with a body that need not be JSON. */
export function serverError(
  status: number,
  kind: keyof typeof SERVER_BODIES,
): Reply {
  const type = {
    json: "application/json",
    html: "text/html",
    text: "text/plain",
  };
  return {
    status,
    body: SERVER_BODIES[kind](status),
    headers: { "content-type": type[kind] },
  };
}
