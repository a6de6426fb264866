/**
 * The transport of a dry run: each request body is written, uncompressed,
 * to a numbered file instead of being sent, and answered as Mixpanel
 * answers a valid batch. `requests.ndjson` beside the bodies lists each
 * request's method, path with query, content type and file — never the
 * Authorization header.
 *
 * Files are numbered in the order batches are handed over, which is the
 * order rows were read, so the same input gives the same files (golden-file
 * tests rely on it).
 */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  Endpoint,
  PostOptions,
  PostTransport,
  Reply,
  TransportCounters,
} from "./transport.ts";

function countRecords(endpoint: Endpoint, body: Buffer): number {
  const text = body.toString("utf8");
  if (endpoint.contentType.includes("ndjson")) {
    return text.split("\n").filter((line) => line.trim() !== "").length;
  }
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.length : 1;
}

export class DryRunTransport implements PostTransport {
  readonly #dir: string;
  readonly #basePath: string;
  #count = 0;
  #ready: Promise<unknown> | undefined;

  constructor(dir: string, baseUrl: string) {
    this.#dir = dir;
    this.#basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  }

  describe(endpoint: Endpoint): string {
    return `dry run of ${this.#basePath}${endpoint.path}`;
  }

  async post(
    endpoint: Endpoint,
    body: Buffer,
    options: PostOptions,
    counters: TransportCounters,
  ): Promise<Reply> {
    const number = ++this.#count;
    this.#ready ??= mkdir(this.#dir, { recursive: true });
    await this.#ready;

    counters.requests++;
    counters.bytes += options.rawBytes;
    counters.wireBytes += body.length;

    const extension = endpoint.contentType.includes("ndjson")
      ? "ndjson"
      : "json";
    const file = `${String(number).padStart(5, "0")}-${endpoint.path.slice(1)}.${extension}`;
    await writeFile(join(this.#dir, file), body);
    const request = {
      file,
      method: "POST",
      path: `${this.#basePath}${endpoint.path}?${endpoint.query}`,
      contentType: endpoint.contentType,
    };
    await appendFile(
      join(this.#dir, "requests.ndjson"),
      JSON.stringify(request) + "\n",
    );

    if (endpoint.path === "/import") {
      const imported = countRecords(endpoint, body);
      return {
        status: 200,
        text: JSON.stringify({
          code: 200,
          num_records_imported: imported,
          status: "OK",
        }),
      };
    }
    return { status: 200, text: '{"status":1,"error":null}' };
  }
}
