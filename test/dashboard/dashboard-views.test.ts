/**
 * Each dashboard screen rendered to a fixed-width string from a metadata
 * store prepared in a real PostgreSQL.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { stripVTControlCharacters } from "node:util";

import { renderToString } from "ink";
import { createElement, type ReactElement } from "react";

import {
  readOverview,
  readRunGrid,
  readTaskDetail,
} from "../../core/dashboard/index.ts";
import { CronSchedule } from "../../core/scheduler/cron-schedule.ts";
import { DagListView } from "../../cli/dashboard/dag-list-view.tsx";
import { soon } from "../../cli/dashboard/format.ts";
import { plainStatus } from "../../cli/dashboard/plain-status.tsx";
import { RunGridView } from "../../cli/dashboard/run-grid-view.tsx";
import { TaskDetailView } from "../../cli/dashboard/task-detail-view.tsx";
import { ColorContext } from "../../cli/dashboard/theme.tsx";
import {
  PIPELINES,
  prepareStore,
  type PreparedStore,
} from "./prepared-store.ts";

function screen(element: ReactElement, columns = 100): string {
  const text = renderToString(
    createElement(ColorContext.Provider, { value: false }, element),
    { columns },
  );
  assert.equal(text, stripVTControlCharacters(text), "no escape codes");
  return text;
}

const lineWith = (text: string, needle: string) => {
  const line = text.split("\n").find((l) => l.includes(needle));
  assert.ok(line, `a line with "${needle}" in:\n${text}`);
  return line;
};

/** The state symbols of a grid row, left to right. */
const symbols = (line: string) => line.replace(/[^·▶✓✗↻↑–]/g, "");

describe("dashboard screens", () => {
  let prepared: PreparedStore;

  before(async () => {
    prepared = await prepareStore();
  });
  after(async () => {
    await prepared?.close();
  });

  test("the DAG list shows schedule, zone, paused, next and last run, import errors", async () => {
    const overview = await readOverview(prepared.store.pool);
    const text = screen(
      createElement(DagListView, {
        overview,
        selected: 2,
        width: 100,
        height: 20,
      }),
    );

    const next = new CronSchedule("0 * * * *", "Europe/Berlin").next(
      overview.readAt,
    )!;
    const shop = lineWith(text, "shop");
    assert.match(shop, /^> shop\s+0 \* \* \* \*\s+Europe\/Berlin\s+no\s+/);
    assert.ok(
      shop.includes(`${soon(next, "Europe/Berlin", overview.readAt)} in `),
    );
    assert.match(shop, new RegExp(`▶ #${prepared.runs.running} running`));

    assert.match(
      lineWith(text, "pagila"),
      /@daily\s+UTC\s+yes\s+paused\s+never/,
    );
    assert.match(lineWith(text, "adhoc"), /–\s+UTC\s+no\s+manual only\s+never/);
    assert.match(text, /DAGs \(3\)\s+1 import error/);
    assert.match(lineWith(text, "Import errors").trim(), /^Import errors$/);
    assert.match(
      text,
      /✗ broken\.ts:3:7 Type 'string' is not assignable to type 'number'\./,
    );
  });

  test("the DAG list drops its least needed columns on a narrow screen", async () => {
    const overview = await readOverview(prepared.store.pool);
    const expected: [number, RegExp][] = [
      [80, /DAG\s+SCHEDULE\s+ZONE\s+PAUSED\s+NEXT RUN\s+LAST RUN/],
      [60, /DAG\s+PAUSED\s+NEXT RUN\s+LAST RUN/],
    ];
    for (const [width, header] of expected) {
      const text = screen(
        createElement(DagListView, {
          overview,
          selected: 0,
          width,
          height: 20,
        }),
        width,
      );
      for (const line of text.split("\n")) {
        assert.ok(line.length <= width, `"${line}" fits ${width} columns`);
      }
      assert.match(lineWith(text, "DAG "), header);
      assert.ok(lineWith(text, "shop").includes("▶ #"));
    }
  });

  test("the run grid has one cell per task instance, by symbol, newest run on the right", async () => {
    const { ok, failed, running } = prepared.runs;
    const grid = await readRunGrid(prepared.store.pool, "shop", 30);
    const text = screen(
      createElement(RunGridView, {
        grid,
        cursor: { task: 1, run: 2 },
        width: 100,
        height: 26,
      }),
    );

    assert.match(
      lineWith(text, "  run "),
      new RegExp(`${ok}\\s+${failed}\\s+${running}`),
    );
    assert.equal(symbols(lineWith(text, "  state ")), "✓✗▶");
    assert.equal(symbols(lineWith(text, "  customers ")), "✓✓✓");
    const orders = lineWith(text, "> orders ");
    assert.equal(symbols(orders), "✓✗▶");
    assert.ok(orders.includes("[▶]"), "the cursor cell is bracketed");
    assert.equal(symbols(lineWith(text, "  page_views ")), "✓↑·");

    assert.match(
      lineWith(text, `Run #${running}`),
      /scheduled · 2024-05-01 11:00 → 12:00 · ▶ running/,
    );
    const live = text.split("\n").filter((l) => l.includes(" orders "));
    assert.match(
      live.at(-1)!,
      /> orders\s+▶ running\s+12,000\s+11,990\s+10\s+1,\d{3}\/s\s+1\ds/,
    );
    assert.match(text, /✓ success\s+✗ failed/, "a legend of the symbols");
  });

  test("the run grid moves its cursor to an older run", async () => {
    const grid = await readRunGrid(prepared.store.pool, "shop", 30);
    const text = screen(
      createElement(RunGridView, {
        grid,
        cursor: { task: 1, run: 1 },
        width: 100,
        height: 26,
      }),
    );
    assert.ok(lineWith(text, "> orders ").includes("[✗]"));
    assert.match(lineWith(text, `Run #${prepared.runs.failed}`), /✗ failed/);
  });

  test("the task detail shows live counters, what is left, the last error, rejected rows and the log", async () => {
    const detail = await readTaskDetail(
      prepared.store.pool,
      prepared.runs.running,
      "orders",
    );
    const text = screen(
      createElement(TaskDetailView, { detail, width: 100, height: 30 }),
    );

    assert.match(
      lineWith(text, "shop › run #"),
      /▶ running · try 2 of 3 · 2024-05-01 11:00 → 12:00/,
    );
    assert.match(
      lineWith(text, "rows read"),
      /rows read\s+12,000\s+rate\s+1,\d{3}\/s/,
    );
    assert.match(lineWith(text, "records sent"), /11,990\s+elapsed\s+1\ds/);
    // The last full read of this task (run "ok") read 20,000 rows.
    assert.match(
      lineWith(text, "rejected "),
      /rejected\s+10\s+left\s+~8,000 rows, ~\ds \(previous run\)/,
    );
    assert.match(lineWith(text, "worker"), /host-b:4242/);
    assert.match(
      text,
      /Last error\n\s+try 1: Mixpanel answered 503 three times/,
    );
    assert.match(text, /Rejected rows: 2 stored; newest 2/);
    assert.match(
      lineWith(text, "order:17"),
      /user_id\s+mapping\s+the user id is NULL/,
    );
    assert.match(
      lineWith(text, "order:42"),
      /time\s+mixpanel\s+event time is more/,
    );
    assert.match(
      lineWith(text, "task_started"),
      /info\s+task_started worker=host-b:4242/,
    );
    assert.match(
      lineWith(text, "rows_rejected"),
      /warn\s+rows_rejected count=2/,
    );
    assert.match(
      lineWith(text, "#1 ↻"),
      /up_for_retry .*Mixpanel answered 503/,
    );
  });

  test("a failed task shows its error with its code", async () => {
    const detail = await readTaskDetail(
      prepared.store.pool,
      prepared.runs.failed,
      "orders",
    );
    const text = screen(
      createElement(TaskDetailView, { detail, width: 100, height: 30 }),
    );
    assert.match(lineWith(text, "shop › run #"), /✗ failed · try 1 of 1/);
    assert.match(
      text,
      /Last error\n\s+\[MIXPANEL_AUTH\] Mixpanel refused the project token \(401\)/,
    );
    assert.match(lineWith(text, "left"), /left\s+–/);
    assert.match(text, /Rejected rows: none/);
  });

  test("a source's own count of rows wins over the previous run's", async () => {
    const { store, runs } = prepared;
    await store.log.append({
      runId: runs.running,
      taskId: "orders",
      level: "info",
      event: "rows_expected",
      fields: { rows: 50_000 },
    });
    const detail = await readTaskDetail(store.pool, runs.running, "orders");
    assert.deepEqual(detail.expected, { rows: 50_000, basis: "source" });
    const text = screen(
      createElement(TaskDetailView, { detail, width: 100, height: 30 }),
    );
    assert.match(lineWith(text, "left"), /~38,000 rows, ~\d+s \(source\)/);
  });

  test("a cursor task cannot tell what is left", async () => {
    const { store, runs } = prepared;
    await store.runs.startTask({ runId: runs.running, taskId: "page_views" });
    const detail = await readTaskDetail(store.pool, runs.running, "page_views");
    assert.equal(detail.expected, null);
    const text = screen(
      createElement(TaskDetailView, { detail, width: 100, height: 30 }),
    );
    assert.match(lineWith(text, "left"), /unknown \(the source cannot tell\)/);
  });

  test("the plain status (stdout not a terminal) is the DAG list without cursor", async () => {
    const overview = await readOverview(prepared.store.pool, {
      pipelinesDir: PIPELINES,
    });
    const text = plainStatus(overview);
    assert.doesNotMatch(text, /^>/m);
    assert.match(text, /^ {2}shop\s+0 \* \* \* \*\s+Europe\/Berlin/m);
    assert.match(text, /broken\.ts:3:7/);

    const elsewhere = await readOverview(prepared.store.pool, {
      pipelinesDir: "/somewhere/else",
    });
    assert.equal(elsewhere.dags.length, 0);
    assert.equal(elsewhere.importErrors.length, 0);
  });
});
