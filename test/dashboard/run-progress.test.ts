/**
 * `backflow run`'s progress: the live table fed by run events (rendered by
 * Ink to a stream of fixed width), and the plain lines it prints when
 * stderr is not a terminal.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { stripVTControlCharacters } from "node:util";

import type { RunEvent } from "../../core/runner/run-events.ts";

// Ink draws only the last frame when it believes it runs in CI (it reads
// CI once, when loaded); this test reads the frames in between.
process.env.CI = "0";
const { LiveRunModel, startRunProgress } =
  await import("../../cli/render/run-progress.ts");

const at = (s: number) => new Date(Date.UTC(2024, 4, 1, 10, 0, s));

const summary = (
  taskId: string,
  state: "success" | "failed",
  rows: number,
  error?: string,
) => ({
  taskId,
  kind: "events" as const,
  state,
  durationMs: 4000,
  rowsRead: rows,
  recordsSent: rows - 2,
  rejected: 2,
  ...(error ? { error } : {}),
});

const EVENTS: RunEvent[] = [
  {
    type: "run-started",
    dagId: "shop",
    runId: "7",
    taskIds: ["customers", "orders"],
  },
  { type: "task-started", taskId: "customers", kind: "userProfiles" },
  {
    type: "task-progress",
    taskId: "customers",
    counters: { rowsRead: 500, recordsSent: 480, rejected: 1 },
  },
  { type: "task-finished", summary: summary("customers", "success", 1000) },
  { type: "task-started", taskId: "orders", kind: "events" },
  {
    type: "task-finished",
    summary: summary("orders", "failed", 10, "Mixpanel refused the token"),
  },
  {
    type: "run-finished",
    summary: {
      dagId: "shop",
      runId: "7",
      state: "failed",
      dryRun: false,
      startedAt: at(0).toISOString(),
      durationMs: 9000,
      tasks: [],
      totals: { rowsRead: 1010, recordsSent: 1006, rejected: 4 },
    },
  },
];

/** A terminal-like stream that keeps what was written. */
function terminal(columns: number) {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as Writable & { columns: number; rows: number; isTTY: boolean };
  stream.columns = columns;
  stream.rows = 24;
  stream.isTTY = true;
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

describe("run progress", () => {
  test("run events fold into per-task rows with live counters", () => {
    const model = new LiveRunModel();
    model.apply(EVENTS[0]!, at(0));
    model.apply(EVENTS[1]!, at(1));
    model.apply(EVENTS[2]!, at(2));
    assert.deepEqual(model.run!.tasks, [
      {
        taskId: "customers",
        state: "running",
        rowsRead: 500,
        recordsSent: 480,
        rejected: 1,
        startedAt: at(1),
        endedAt: null,
      },
      {
        taskId: "orders",
        state: "queued",
        rowsRead: 0,
        recordsSent: 0,
        rejected: 0,
        startedAt: null,
        endedAt: null,
      },
    ]);
    model.apply(EVENTS[3]!, at(5));
    assert.equal(model.run!.tasks[0]!.state, "success");
    assert.equal(model.run!.tasks[0]!.rowsRead, 1000);
    assert.deepEqual(model.run!.tasks[0]!.endedAt, at(5), "start + duration");
  });

  test("on a terminal, the live table ends showing every task's outcome", async () => {
    const out = terminal(90);
    const progress = startRunProgress("live", {
      stream: out.stream,
      frameMs: 5,
    });
    // Events that come while Ink loads are not lost: the first frame
    // shows the run as they left it.
    progress.listener(EVENTS[0]!);
    progress.listener(EVENTS[1]!);
    await progress.ready;
    for (const event of EVENTS.slice(2)) {
      progress.listener(event);
      await new Promise((r) => setTimeout(r, 10));
    }
    progress.stop();

    const screen = stripVTControlCharacters(out.text());
    assert.match(screen, /customers\s+▶ running/);
    assert.match(screen, /run 7 of shop {2}✗ failed 9s/);
    assert.match(screen, /TASK\s+STATE\s+READ\s+SENT\s+REJECTED\s+RATE/);
    assert.match(
      screen,
      /customers\s+✓ success\s+1,000\s+998\s+2\s+250\/s\s+4s/,
    );
    assert.match(screen, /orders\s+✗ failed\s+10\s+8\s+2/);
    for (const line of screen.split("\n")) {
      assert.ok(line.length <= 90, `"${line}" fits 90 columns`);
    }
  });

  test("elsewhere, one plain line per task start and end", async () => {
    const out = terminal(80);
    const progress = startRunProgress("lines", { stream: out.stream });
    for (const event of EVENTS) progress.listener(event);
    progress.stop();
    assert.deepEqual(out.text().trimEnd().split("\n"), [
      "run 7 of shop: 2 task(s)",
      "  customers (userProfiles) started",
      "  ✓ customers success in 4.0s, read 1,000, sent 998, rejected 2",
      "  orders (events) started",
      "  ✗ orders failed in 4.0s, read 10, sent 8, rejected 2 — Mixpanel refused the token",
    ]);
  });

  test("with --json, nothing", async () => {
    const out = terminal(80);
    const progress = startRunProgress("quiet", { stream: out.stream });
    for (const event of EVENTS) progress.listener(event);
    progress.stop();
    assert.equal(out.text(), "");
  });
});
