/**
 * One API request after its body has been read: what the handlers see.
 */
import { isUtf8 } from "node:buffer";
import type { IncomingHttpHeaders } from "node:http";
import type { ParsedBody } from "./body.ts";
import { BodyError, decompress, parseBody } from "./body.ts";

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as received. */
  wire: Buffer;
  /** Whether the body came with `Content-Encoding: gzip`. */
  gzip: boolean;
}

export interface DecodedBody extends ParsedBody {
  /** The body held invalid UTF-8, now seen as U+FFFD characters. */
  badUtf8: boolean;
}

/** Inflates and parses the body; throws `BodyError` when it cannot. */
export function decodeBody(request: ApiRequest, limit: number): DecodedBody {
  const raw = request.gzip ? decompress(request.wire, limit) : request.wire;
  if (raw.length > limit) {
    throw new BodyError(413, `request exceeds max limit of ${limit} bytes`);
  }
  const parsed = parseBody(raw, request.headers["content-type"]);
  return { ...parsed, badUtf8: !isUtf8(raw) };
}

/** A query or form flag such as `verbose=1`. */
export function flag(
  request: ApiRequest,
  form: Map<string, string>,
  name: string,
): string | undefined {
  return request.query.get(name) ?? form.get(name);
}
