import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import {
  childEnv,
  projectRoot,
  runCli,
  type CliResult,
} from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** Runs a command to completion in `cwd`. */
function exec(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: childEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stderr }),
    );
  });
}

/** The project's own `backflow`, as `npx backflow` would find it. */
function projectBackflow(dir: string, args: string[], env = {}) {
  const bin = join(dir, "node_modules", ".bin", "backflow");
  return exec(process.execPath, [bin, ...args], dir, env);
}

describe("backflow init", { timeout: 180_000 }, () => {
  let parent: string;
  let dir: string;
  let warehouse: TestDatabase;

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), "backflow-init-"));
    dir = join(parent, "my-pipelines");
    warehouse = await createTestDatabase("bf_init");
    const client = new pg.Client({ connectionString: warehouse.url });
    await client.connect();
    await client.query(`
      create table users (id bigint primary key, email text, name text,
                          updated_at timestamptz not null);
      create table orders (id bigint primary key, user_id bigint,
                           total numeric(10, 2),
                           created_at timestamptz not null);
      insert into users values (1, 'zoe@example.com', 'Zoë', now());
      insert into orders values (10, 1, 12.50, now() - interval '1 day')`);
    await client.end();
  });

  after(async () => {
    await rm(parent, { recursive: true, force: true });
    await warehouse.drop();
  });

  it("scaffolds a project outside the checkout", async () => {
    const result = await runCli(["init", dir]);
    assert.equal(result.code, 0, result.stderr);
    const files = await readdir(dir, { recursive: true });
    for (const file of [
      "package.json",
      "tsconfig.json",
      join("pipelines", "example.ts"),
      ".env.example",
      ".gitignore",
      "README.md",
    ]) {
      assert.ok(files.includes(file), `${file} in ${files.join(", ")}`);
    }
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    assert.equal(pkg.name, "my-pipelines");
    assert.match(pkg.dependencies.backflow, /^file:\//);
    const ignored = await readFile(join(dir, ".gitignore"), "utf8");
    assert.match(ignored, /^\.backflow\/$/m);
    assert.match(ignored, /^\.env$/m);
  });

  it("writes nothing over existing files", async () => {
    const before = await stat(join(dir, "package.json"));
    const result = await runCli(["init", dir]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /already has package\.json/);
    const after = await stat(join(dir, "package.json"));
    assert.equal(after.mtimeMs, before.mtimeMs);
  });

  it("refuses a folder inside backflow's own checkout", async () => {
    const result = await runCli(["init", join(projectRoot, "my-project")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /inside backflow's own checkout/);
  });

  it("installs backflow from this checkout; check and a dry run work there", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const install = await exec(
      npm,
      ["install", "--prefer-offline", "--no-audit", "--no-fund"],
      dir,
    );
    assert.equal(install.code, 0, install.stderr);

    const check = await projectBackflow(dir, ["check"]);
    assert.equal(check.code, 0, check.stderr + check.stdout);
    assert.match(check.stdout, /1 DAG\(s\) ok/);

    const dry = await projectBackflow(dir, ["run", "example", "--dry-run"], {
      WAREHOUSE_URL: warehouse.url,
      MIXPANEL_TOKEN: "demo-token",
    });
    assert.equal(dry.code, 0, dry.stderr + dry.stdout);
    const out = join(dir, ".backflow", "dry-run", "example");
    const users = await readdir(join(out, "users"));
    const body = await readFile(
      join(
        out,
        "users",
        users.find((f) => f.endsWith("engage.json"))!,
      ),
      "utf8",
    );
    assert.match(body, /zoe@example\.com/);
    const orders = await readdir(join(out, "orders"));
    assert.ok(
      orders.some((f) => f.endsWith("import.ndjson")),
      orders.join(),
    );
  });
});
