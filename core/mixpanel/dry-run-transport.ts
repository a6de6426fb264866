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
import { BackflowError } from "../errors.ts";
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
    // Request bodies hold warehouse data: the folder is the owner's only.
    this.#ready ??= mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await this.#writing(this.#dir, () => this.#ready!);

    counters.requests++;
    counters.bytes += options.rawBytes;
    counters.wireBytes += body.length;

    const extension = endpoint.contentType.includes("ndjson")
      ? "ndjson"
      : "json";
    const file = `${String(number).padStart(5, "0")}-${endpoint.path.slice(1)}.${extension}`;
    const path = join(this.#dir, file);
    await this.#writing(path, () => writeFile(path, body));
    const request = {
      file,
      method: "POST",
      path: `${this.#basePath}${endpoint.path}?${endpoint.query}`,
      contentType: endpoint.contentType,
    };
    const list = join(this.#dir, "requests.ndjson");
    await this.#writing(list, () =>
      appendFile(list, JSON.stringify(request) + "\n"),
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

  /** Runs a file operation; a failure (a full disk…) names the file. */
  async #writing(path: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      const hint =
        code === "ENOSPC"
          ? "the disk is full; free space or choose another --dry-run-dir"
          : "check that the folder is writable, or choose another " +
            "--dry-run-dir";
      throw new BackflowError(
        "FILE_WRITE",
        `dry run: could not write ${path} (${code}: ` +
          `${(error as Error).message.replace(/^\w+: /, "")}); ${hint}`,
        { cause: error },
      );
    }
  }
}
