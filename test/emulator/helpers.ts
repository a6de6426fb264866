/**
 * Small HTTP helpers for the emulator tests: real requests over undici.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { request } from "undici";

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<Response> {
  const response = await request(url, { method: "POST", body, headers });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

export async function get(url: string): Promise<Response> {
  const response = await request(url);
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text };
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  return JSON.parse((await get(url)).text) as T;
}

/** The emulator's stored events, parsed from its NDJSON. */
export async function storedEvents(base: string) {
  const { text } = await get(`${base}/_emulator/events`);
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map(
      (line) =>
        JSON.parse(line) as {
          event: string;
          properties: Record<string, unknown>;
        },
    );
}

export const basic = (user: string, secret = "") =>
  "Basic " + Buffer.from(`${user}:${secret}`).toString("base64");

let counter = 0;

/** A valid event; `properties` override or (as undefined) remove fields. */
export function event(properties: Record<string, unknown> = {}, name = "Paid") {
  counter += 1;
  const merged: Record<string, unknown> = {
    time: Date.now() - 60_000,
    distinct_id: "u_42",
    $insert_id: `ins-${counter}`,
    amount: 19.5,
    ...properties,
  };
  for (const key of Object.keys(merged)) {
    if (merged[key] === undefined) delete merged[key];
  }
  return { event: name, properties: merged };
}

export interface CliEmulator {
  url: string;
  child: ChildProcess;
  firstLine: string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

/** Starts `backflow emulator` as a real process and waits for its URL. */
export async function startCli(args: string[]): Promise<CliEmulator> {
  const child = spawn(process.execPath, ["cli/bin.js", "emulator", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (text) => (stdout += text));
  child.stderr!.setEncoding("utf8").on("data", (text) => (stderr += text));
  const exited = new Promise<number | null>((resolve) =>
    child.once("close", (code) => resolve(code)),
  );

  const lines = createInterface({ input: child.stdout! });
  const firstLine = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("close", (code) =>
      reject(new Error(`emulator exited with code ${code}: ${stderr}`)),
    );
  });
  lines.close();

  return {
    url: firstLine,
    child,
    firstLine,
    stop: (signal = "SIGTERM") => {
      child.kill(signal);
      return exited;
    },
    output: () => ({ stdout, stderr }),
  };
}
