/**
 * End to end, in a real terminal: a `backflow scheduler` process and a
 * `backflow dashboard` in a tmux pseudo-terminal share one metadata store.
 * The screen shows a run going from running to success, the trigger key
 * makes a new run, the layout follows a resize, and `q` quits.
 */
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { backflowBin, runCli } from "../helpers/cli.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import {
  CORE,
  createProject,
  spawnScheduler,
  type Project,
  type SchedulerProcess,
} from "../scheduler/process-harness.ts";
import { openTerminal, tmuxMissing, type Terminal } from "./tmux.ts";

const SLOW = `
import { dag } from ${JSON.stringify(CORE)};

export default dag("slow", { description: "waits a little" }, (d) => {
  const first = d.task("prepare", () => {});
  d.task("wait", async ({ signal }) => {
    await new Promise((resolve) => setTimeout(resolve, 2500));
    signal.throwIfAborted();
  }).after(first);
});
`;

const missing = await tmuxMissing();

describe(
  "dashboard in a terminal, beside a scheduler",
  { skip: missing },
  () => {
    let db: TestDatabase;
    let project: Project;
    let scheduler: SchedulerProcess;
    let terminal: Terminal;

    before(async () => {
      db = await createTestDatabase("bf_dash_tty");
      project = await createProject({ BACKFLOW_DATABASE_URL: db.url });
      await project.write("slow.ts", SLOW);
      scheduler = spawnScheduler(project);
      await scheduler.waitFor(/scheduler \S+ started/, 60_000);

      // The dashboard runs from the project's folder, as a user runs it,
      // with colour off so that the screen is read by its symbols.
      const script = join(project.dir, "dashboard.sh");
      const env = [
        `BACKFLOW_DATABASE_URL='${db.url}'`,
        "NO_COLOR=1",
        "TERM=xterm-256color",
        // Ink draws only a final frame when it believes it runs in CI.
        "CI=0",
        "CONTINUOUS_INTEGRATION=0",
      ].join(" ");
      await writeFile(
        script,
        `#!/bin/sh\ncd '${project.dir}'\nexec env ${env} ` +
          `'${process.execPath}' '${backflowBin}' dashboard --refresh 200\n`,
      );
      await chmod(script, 0o755);
      terminal = await openTerminal([script], { columns: 100, rows: 30 });
    });

    after(async () => {
      await terminal?.close();
      if (scheduler && scheduler.child.exitCode === null) {
        scheduler.kill("SIGTERM");
        await scheduler.exited;
      }
      await project?.remove();
      await db?.drop();
    });

    test("the DAG list shows the DAG the scheduler published", async () => {
      const screen = await terminal.waitFor(/^> slow /m);
      assert.match(screen, /backflow dashboard · \d\d:\d\d:\d\d UTC · store /);
      assert.match(screen, /^> slow\s+–\s+UTC\s+no\s+manual only\s+never/m);
      assert.match(screen, /↑↓ move {2}enter runs {2}t trigger/);
    });

    test("t makes a run that the screen shows running, then succeeded", async () => {
      await terminal.keys("Enter");
      await terminal.waitFor(/No runs yet: press t to trigger one/);
      await terminal.keys("t");
      await terminal.waitFor(/queued manual run #\d+ of slow/);

      const running = await terminal.waitFor(
        /^Run #\d+ manual .*▶ running for/m,
        20_000,
      );
      assert.match(running, /^ {2}state\s+▶$/m);
      const done = await terminal.waitFor(
        /^Run #\d+ manual .*✓ success in/m,
        20_000,
      );
      assert.match(done, /^ {2}state\s+✓$/m);
      assert.match(done, /^> prepare\s+\[✓\]$/m);
      assert.match(done, /^ {2}wait\s+✓$/m);
      assert.match(done, /^ {2}wait\s+✓ success\s+.*\s[23]s$/m);
    });

    test("t again makes a second run, in a new column", async () => {
      await terminal.keys("t");
      await terminal.waitFor(/queued manual run #\d+ of slow/);
      const screen = await terminal.waitFor(
        /^ {2}state\s+✓ {2}[·▶✓]$/m,
        10_000,
      );
      assert.match(screen, /^ {2}run\s+\d+\s+\d+$/m);
      await terminal.waitFor(/^ {2}state\s+✓ {2}✓$/m, 20_000);
    });

    test("the screen follows a resize and keeps its help line", async () => {
      await terminal.resize(60, 20);
      const screen = await terminal.waitFor(/^ {2}state\s+✓ {2}✓$/m);
      const lines = screen.split("\n");
      for (const line of lines) {
        assert.ok(line.length <= 60, `"${line}" fits 60 columns`);
      }
      assert.match(screen, /↑↓←→ move {2}enter task {2}esc back/);
    });

    test("q quits the dashboard", async () => {
      await terminal.keys("q");
      const deadline = Date.now() + 5000;
      while (!(await terminal.exited())) {
        assert.ok(Date.now() < deadline, "the dashboard exits on q");
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    test("off a terminal it prints a plain status and exits", async () => {
      const result = await runCli(["dashboard"], {
        env: { BACKFLOW_DATABASE_URL: db.url },
        cwd: project.dir,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^DAGs \(1\)/);
      assert.match(
        result.stdout,
        /^ {2}slow\s+–\s+UTC\s+no\s+manual only\s+✓ #\d+ success/m,
      );
    });
  },
);
