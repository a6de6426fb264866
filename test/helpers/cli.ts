/**
 * Runs the real `backflow` executable in child processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
export const backflowBin = fileURLToPath(
  new URL("../../cli/bin.js", import.meta.url),
);

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** Environment for a child: this process's, minus backflow's own knobs. */
export function childEnv(
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("MIXPANEL_") || key === "BACKFLOW_DATABASE_URL") {
      delete env[key];
    }
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `backflow ...args` to completion. */
export function runCli(
  args: string[],
  options: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [backflowBin, ...args], {
      cwd: options.cwd ?? projectRoot,
      env: childEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(
      () => child.kill("SIGKILL"),
      options.timeoutMs ?? 120_000,
    );
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface EmulatorProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
  get<T>(path: string): Promise<T>;
  text(path: string): Promise<string>;
}

/** Starts `backflow emulator --port 0 ...args` and waits for its URL. */
export async function startEmulatorProcess(
  args: string[] = [],
): Promise<EmulatorProcess> {
  const child = spawn(
    process.execPath,
    [backflowBin, "emulator", "--port", "0", ...args],
    { cwd: projectRoot, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) =>
      reject(new Error(`emulator exited with ${code} before printing a URL`)),
    );
  });
  child.stderr!.resume();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));

  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    async get<T>(path: string) {
      const response = await fetch(url + path);
      return (await response.json()) as T;
    },
    async text(path: string) {
      return (await fetch(url + path)).text();
    },
  };
}
