/**
 * Two real `backflow` commands started at the same moment, with no
 * BACKFLOW_DATABASE_URL, share one embedded server; `backflow db stop`
 * leaves none running.
 */
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isAlive } from "../../core/store/embedded/processes.ts";
import { stopEmbeddedServer } from "../../core/store/embedded/server-control.ts";
import { projectRoot, runCli } from "../helpers/cli.ts";

const pipelines = join(projectRoot, "test/fixtures/pipelines/noop");
let project: string;

interface Status {
  store: string;
  embedded: { running: boolean; pid?: number; port?: number };
}

before(async () => {
  project = await mkdtemp(join(tmpdir(), "backflow-cli-store-"));
  // As root the server runs as the `postgres` user, which must pass through.
  await chmod(project, 0o755);
});

after(async () => {
  await stopEmbeddedServer({ projectDir: project }).catch(() => {});
  await rm(project, { recursive: true, force: true });
});

test("two backflow commands at once share one embedded server, and db stop stops it", async () => {
  const runs = await Promise.all(
    [1, 2].map(() =>
      runCli(["run", "noop", "--pipelines", pipelines, "--json"], {
        cwd: project,
      }),
    ),
  );
  for (const run of runs) assert.equal(run.code, 0, run.stderr);

  const status = await runCli(["db", "status", "--json"], { cwd: project });
  const shown = JSON.parse(status.stdout) as Status;
  assert.equal(shown.store, "embedded");
  assert.equal(shown.embedded.running, true, "the shared server outlives runs");
  assert.notEqual(shown.embedded.port, 5432);
  const pid = shown.embedded.pid!;

  const ids = runs.map(
    (r) => (JSON.parse(r.stdout) as { runId: string }).runId,
  );
  assert.notEqual(ids[0], ids[1], "both runs were recorded in the one store");

  const stop = await runCli(["db", "stop"], { cwd: project });
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(isAlive(pid), false, "no server left running");
  const after = JSON.parse(
    (await runCli(["db", "status", "--json"], { cwd: project })).stdout,
  ) as Status;
  assert.equal(after.embedded.running, false);
});
