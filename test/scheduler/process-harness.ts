/**
 * Real `backflow scheduler` processes on a temporary project: pipeline
 * modules written to a folder, a metadata store of their own, and the
 * processes' output read line by line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { backflowBin, childEnv, projectRoot, runCli } from "../helpers/cli.ts";

/** Where pipeline modules import backflow from, wherever they live. */
export const CORE = join(projectRoot, "core", "index.ts");

export interface Project {
  readonly dir: string;
  readonly pipelines: string;
  readonly env: Record<string, string>;
  write(file: string, text: string): Promise<void>;
  /** Runs `backflow …args` in the project (with its `--pipelines`). */
  cli(args: string[]): ReturnType<typeof runCli>;
  remove(): Promise<void>;
}

export async function createProject(
  env: Record<string, string>,
): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), "bf-scheduler-"));
  const pipelines = join(dir, "pipelines");
  const project: Project = {
    dir,
    pipelines,
    env,
    write: async (file, text) => {
      await writeFile(join(pipelines, file), text);
    },
    cli: (args) =>
      runCli(args[0] === "runs" ? args : [...args, "--pipelines", pipelines], {
        env,
        cwd: dir,
      }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
  await mkdir(pipelines);
  // Pipelines are ES modules, as in any backflow project.
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "scheduler-test", type: "module" }),
  );
  return project;
}

export interface SchedulerProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first line (stdout or stderr) matching. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  readonly exited: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnScheduler(
  project: Project,
  args: string[] = [],
): SchedulerProcess {
  return spawnBackflow(project, "scheduler", args);
}

/** A long-running `backflow <command>` (scheduler, worker) on the project. */
export function spawnBackflow(
  project: Project,
  command: string,
  args: string[] = [],
): SchedulerProcess {
  const child = spawn(
    process.execPath,
    [backflowBin, command, "--pipelines", project.pipelines, ...args],
    {
      cwd: project.dir,
      env: childEnv(project.env),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (l: string) => void }>();
  const onLine = (into: string[]) => (line: string) => {
    into.push(line);
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout! }).on("line", onLine(stdout));
  createInterface({ input: child.stderr! }).on("line", onLine(stderr));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );

  return {
    child,
    stdout,
    stderr,
    exited,
    kill: (signal) => child.kill(signal),
    waitFor(pattern, timeoutMs = 60_000) {
      const seen = [...stdout, ...stderr].find((l) => pattern.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; ` +
                `stdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}`,
            ),
          );
        }, timeoutMs);
        const done = waiter.resolve;
        waiter.resolve = (line) => {
          clearTimeout(timer);
          done(line);
        };
        void exited.then(() => {
          if (!waiters.has(waiter)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          reject(new Error(`${command} exited; stderr:\n${stderr.join("\n")}`));
        });
      });
    },
  };
}

/** A local HTTP server that keeps every JSON body POSTed to it. */
export async function webhookReceiver(): Promise<{
  url: string;
  bodies: Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const bodies: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/backflow`,
    bodies,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
