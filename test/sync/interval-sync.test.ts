/**
 * Interval-mode events (the query slices rows by `d.interval`) against
 * real PostgreSQL and a real emulator: each run reads its own interval, a
 * stopped run resumes inside its interval, and a rejection made in one
 * interval is retried in that interval by later runs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dag } from "../../core/index.ts";
import {
  recordsSince,
  startHarness,
  type Harness,
} from "../helpers/sync-harness.ts";

interface Visit {
  id: string;
  user_id: string | null;
  ts: Date;
}

let h: Harness;

before(async () => {
  h = await startHarness();
  await h.exec(`create table visits (id text primary key, user_id text,
                  ts timestamptz not null)`);
  // 12 visits from 10:00 on, one every 5 minutes; v03 has no user.
  for (let i = 0; i < 12; i++) {
    const id = `v${String(i).padStart(2, "0")}`;
    await h.exec("insert into visits values ($1, $2, $3)", [
      id,
      i === 3 ? null : `u${i}`,
      new Date(Date.UTC(2024, 4, 1, 10, i * 5)),
    ]);
  }
});
after(async () => h?.close());

const visits = () =>
  dag("visits_dag", {}, (d) => {
    d.events("visits", {
      from: h.warehouse.query<Visit>`
        select id, user_id, ts from visits
         where ts >= ${d.interval.start} and ts < ${d.interval.end}`,
      to: h.product,
      event: "Visit",
      insertId: "id",
      userId: "user_id",
      time: "ts",
      rejectThreshold: { maxShare: 1 },
    });
  });

const hour = (from: number, to: number) => ({
  start: new Date(Date.UTC(2024, 4, 1, 10, from)),
  end: new Date(Date.UTC(2024, 4, 1, 10, to)),
});

/** @param stopAfter stop once this many rows were read */
async function run(interval: { start: Date; end: Date }, stopAfter?: number) {
  const before = (await h.requests()).length;
  const controller = new AbortController();
  const summary = await h.sync(visits(), {
    interval,
    pageSize: 2,
    signal: controller.signal,
    listener: (e) => {
      if (
        stopAfter !== undefined &&
        e.type === "task-progress" &&
        e.counters.rowsRead >= stopAfter
      ) {
        controller.abort();
      }
    },
  });
  const sent = recordsSince(await h.requests(), before, "/import");
  return { task: summary.tasks[0]!, sent };
}

describe("events sliced by the data interval", () => {
  test("a run stopped inside its interval resumes there", async () => {
    const first = await run(hour(0, 30), 2);
    assert.equal(first.task.state, "failed");
    const second = await run(hour(0, 30));
    assert.equal(second.task.state, "success", second.task.error);
    assert.ok(second.task.rowsRead < 6, "the second run started mid-way");
    assert.equal(first.sent + second.sent, 5, "v00–v05 but v03, once each");
    assert.equal(second.task.rejected, 1);
  });

  test("a rejection is retried in its own interval by a later run", async () => {
    await h.exec("update visits set user_id = 'u3' where id = 'v03'");
    const later = await run(hour(30, 60));
    assert.equal(later.sent, 6 + 1, "v06–v11, and v03 from 10:00–10:30");
    assert.equal(later.task.rejected, 0);
    const stats = await h.emulator.get<{ events: number }>("/_emulator/stats");
    assert.equal(stats.events, 12);
  });

  test("a finished interval run again is sent again, de-duplicated", async () => {
    const again = await run(hour(30, 60));
    assert.equal(again.sent, 6);
    const stats = await h.emulator.get<{ events: number }>("/_emulator/stats");
    assert.equal(stats.events, 12);
  });
});
