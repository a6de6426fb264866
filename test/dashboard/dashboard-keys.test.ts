/**
 * The dashboard app driven by its keys over a real metadata store: moving,
 * opening, going back, and the actions (trigger, pause, retry) landing in
 * the store and on the screen within a refresh.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { render } from "ink-testing-library";
import { createElement } from "react";

import { storeSource } from "../../core/dashboard/index.ts";
import { DashboardApp } from "../../cli/dashboard/dashboard-app.tsx";
import { ColorContext } from "../../cli/dashboard/theme.tsx";
import { prepareStore, type PreparedStore } from "./prepared-store.ts";

const KEY = {
  up: "\u001B[A",
  down: "\u001B[B",
  right: "\u001B[C",
  left: "\u001B[D",
  enter: "\r",
  escape: "\u001B",
};

type App = ReturnType<typeof render>;

/** Waits for a frame matching `pattern`; fails with the last frame. */
async function frame(app: App, pattern: RegExp, ms = 5000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = app.lastFrame() ?? "";
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) {
      assert.fail(`no frame matching ${pattern} within ${ms} ms:\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function press(app: App, ...keys: string[]) {
  for (const key of keys) {
    app.stdin.write(key);
    // Ink reads a lone escape as a key only once no more bytes follow.
    await new Promise((r) => setTimeout(r, 60));
  }
}

describe("dashboard keys", () => {
  let prepared: PreparedStore;
  let app: App;

  const state = async (sql: string, values: unknown[]) =>
    (await prepared.store.pool.query(sql, values)).rows;

  before(async () => {
    prepared = await prepareStore();
    app = render(
      createElement(
        ColorContext.Provider,
        { value: false },
        createElement(DashboardApp, {
          source: storeSource(prepared.store.pool),
          title: "test store",
          refreshMs: 100,
          size: { columns: 100, rows: 32 },
        }),
      ),
    );
  });
  after(async () => {
    app?.unmount();
    await prepared?.close();
  });

  test("the DAG list opens with its help line on the last line", async () => {
    const text = await frame(app, /DAGs \(3\)/);
    assert.match(text, /^> adhoc/m);
    assert.equal(
      text.trimEnd().split("\n").at(-1)!.trim(),
      "↑↓ move  enter runs  t trigger  p pause/unpause  q quit",
    );
  });

  test("arrows move the cursor and enter opens the run grid", async () => {
    await press(app, KEY.down, KEY.down);
    await frame(app, /^> shop/m);
    await press(app, KEY.enter);
    const text = await frame(app, /shop {2}3 recent runs × 3 tasks/);
    assert.match(text, /^> customers\s+✓ {2}✓ \[✓\]/m);
    assert.match(text, /esc back .* r retry failed {2}q quit/);
  });

  test("p pauses and unpauses the DAG in the store", async () => {
    await press(app, "p");
    await frame(app, /paused shop: no new scheduled runs/);
    await frame(app, /0 \* \* \* \* · Europe\/Berlin · paused/);
    assert.deepEqual(
      await state(`select is_paused from dags where dag_id = $1`, ["shop"]),
      [{ is_paused: true }],
    );
    await press(app, "p");
    await frame(app, /unpaused shop/);
    await frame(app, /Europe\/Berlin · next /);
  });

  test("r on a failed task queues it again and reopens its run", async () => {
    const { failed } = prepared.runs;
    await press(app, KEY.left, KEY.down);
    await frame(app, /^> orders\s+✓ \[✗\] ▶/m);
    await press(app, "r");
    await frame(app, new RegExp(`retrying orders of run #${failed}`));
    const text = await frame(app, /^> orders\s+✓ \[·\] ▶/m);
    assert.match(text, /^ {2}page_views\s+✓ {2}· {2}·/m);
    assert.deepEqual(
      await state(
        `select task_id, state from task_instances where run_id = $1
          order by task_id`,
        [failed],
      ),
      [
        { task_id: "customers", state: "success" },
        { task_id: "orders", state: "queued" },
        { task_id: "page_views", state: "queued" },
      ],
    );
    assert.deepEqual(
      await state(`select state, ended_at from dag_runs where id = $1`, [
        failed,
      ]),
      [{ state: "running", ended_at: null }],
    );
  });

  test("r on a task that did not fail is refused with the reason", async () => {
    await press(app, KEY.up);
    await frame(app, /^> customers\s+✓ \[✓\] ✓/m);
    await press(app, "r");
    await frame(app, /is success; only a failed task can be retried/);
  });

  test("enter opens the task detail and escape goes back", async () => {
    const { running } = prepared.runs;
    await press(app, KEY.right, KEY.down, KEY.enter);
    const text = await frame(
      app,
      new RegExp(`shop › run #${running} › orders`),
    );
    assert.match(text, /rows read\s+12,000/);
    assert.match(text, /esc back {2}t trigger/);
    await press(app, KEY.escape);
    await frame(app, /shop {2}3 recent runs/);
    await press(app, KEY.escape);
    await frame(app, /DAGs \(3\)/);
  });

  test("t queues a manual run, and the screens show it within a second", async () => {
    const before = Date.now();
    await press(app, "t");
    const flash = await frame(app, /queued manual run #\d+ of shop/);
    const id = Number(/queued manual run #(\d+)/.exec(flash)![1]);
    assert.deepEqual(
      await state(
        `select dag_id, run_type, state from dag_runs where id = $1`,
        [id],
      ),
      [{ dag_id: "shop", run_type: "manual", state: "queued" }],
    );
    await frame(app, new RegExp(`^> shop .*· #${id} queued`, "m"));
    assert.ok(Date.now() - before < 1500, "shown within a refresh");
  });

  test("a change written by another process shows within a second", async () => {
    await state(`update dags set is_paused = true where dag_id = $1`, [
      "adhoc",
    ]);
    const seen = Date.now();
    await frame(app, /^ {2}adhoc\s+–\s+UTC\s+yes/m, 1000);
    assert.ok(Date.now() - seen < 1000);
  });
});
