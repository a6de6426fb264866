import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { isAlive } from "../../core/store/embedded/processes.ts";
import { stopEmbeddedServer } from "../../core/store/embedded/server-control.ts";

const run = promisify(execFile);
const ROOT = process.cwd();
const OPEN = join(ROOT, "test/fixtures/store/open-store.ts");
const CLI = join(ROOT, "cli/bin.js");
// The children run in the project folder, where "tsx" would not resolve.
const TSX = import.meta.resolve("tsx");

interface Opened {
  kind: string;
  pid: number;
  port: number;
  dataDir: string;
  started: boolean;
  dags: string[];
}

let project: string;

/** The environment of a process with no external store configured. */
function env(): NodeJS.ProcessEnv {
  const copy = { ...process.env };
  delete copy.BACKFLOW_DATABASE_URL;
  return copy;
}

async function openIn(...args: string[]): Promise<Opened> {
  const { stdout } = await run(
    process.execPath,
    ["--import", TSX, OPEN, ...args],
    { cwd: project, env: env() },
  );
  return JSON.parse(stdout) as Opened;
}

/** Server processes (postmasters) whose command line names `dataDir`. */
async function postmastersOf(dataDir: string): Promise<number[]> {
  // Only the postmaster keeps its arguments; its children retitle
  // themselves ("postgres: checkpointer").
  const { stdout } = await run("ps", ["-eo", "pid=,args="]);
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((words) => words.includes(dataDir))
    .map((words) => Number(words[0]))
    .filter((pid) => isAlive(pid));
}

before(async () => {
  project = await mkdtemp(join(tmpdir(), "backflow-store-"));
  // As root the server runs as the `postgres` user, which must pass through.
  await chmod(project, 0o755);
});

after(async () => {
  await stopEmbeddedServer({ projectDir: project }).catch(() => {});
  await rm(project, { recursive: true, force: true });
});

describe("the embedded store server", { timeout: 120_000 }, () => {
  let first: Opened;

  test("two processes starting at once share one server", async () => {
    const [a, b] = await Promise.all([
      openIn("--write", "from_a"),
      openIn("--write", "from_b"),
    ]);
    assert.equal(a.kind, "embedded");
    assert.equal(a.port, b.port);
    assert.equal(a.pid, b.pid);
    assert.notEqual(a.port, 5432);
    assert.deepEqual(
      [a.started, b.started].sort(),
      [false, true],
      "exactly one of them started the server",
    );
    assert.deepEqual(await postmastersOf(a.dataDir), [a.pid]);
    first = a;
  });

  test("the server outlives the processes and keeps their data", async () => {
    assert.ok(isAlive(first.pid));
    const again = await openIn();
    assert.equal(again.pid, first.pid);
    assert.equal(again.started, false);
    assert.deepEqual(again.dags.sort(), ["from_a", "from_b"]);
  });

  test("a SIGKILLed owner leaves a server the next process reuses", async () => {
    const holder = spawn(process.execPath, ["--import", TSX, OPEN, "--hold"], {
      cwd: project,
      env: env(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    const [line] = (await once(holder.stdout, "data")) as [Buffer];
    assert.equal((JSON.parse(line.toString()) as Opened).pid, first.pid);
    holder.kill("SIGKILL");
    await once(holder, "exit");

    const next = await openIn();
    assert.equal(next.pid, first.pid);
    assert.equal(next.started, false);
  });

  test("a killed server and a stale lock are recovered", async () => {
    process.kill(first.pid, "SIGKILL");
    const lock = join(project, ".backflow/postgres/start.lock");
    // Left by a process that died while starting the server.
    const pid = 2 ** 22 + 7;
    const holder = { pid, host: hostname(), token: "old", at: Date.now() };
    await writeFile(lock, JSON.stringify(holder));

    const next = await openIn();
    assert.notEqual(next.pid, first.pid);
    assert.equal(next.started, true);
    assert.deepEqual(next.dags.sort(), ["from_a", "from_b"]);
    assert.deepEqual(await postmastersOf(next.dataDir), [next.pid]);
    first = next;
  });

  test("backflow db stop stops it and leaves no server running", async () => {
    const { stdout } = await run(process.execPath, [CLI, "db", "stop"], {
      cwd: project,
      env: env(),
    });
    assert.match(stdout, new RegExp(`stopped \\(pid ${first.pid}\\)`));
    assert.equal(isAlive(first.pid), false);
    assert.deepEqual(await postmastersOf(first.dataDir), []);

    const status = await run(
      process.execPath,
      [CLI, "db", "status", "--json"],
      { cwd: project, env: env() },
    );
    const parsed = JSON.parse(status.stdout) as {
      embedded: { running: boolean; initialised: boolean };
    };
    assert.equal(parsed.embedded.running, false);
    assert.equal(parsed.embedded.initialised, true);
  });
});
