import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CronSchedule } from "../../core/scheduler/cron-schedule.ts";
import {
  dueIntervals,
  type DueInput,
} from "../../core/scheduler/due-intervals.ts";

const hourly = new CronSchedule("0 * * * *", "UTC");
const at = (h: number, m = 0, s = 0) => new Date(Date.UTC(2024, 0, 1, h, m, s));
const spans = (input: Partial<DueInput>) =>
  dueIntervals({
    schedule: hourly,
    now: at(10, 30),
    cursor: undefined,
    liveSince: at(10, 30),
    catchup: false,
    catchupWindowMs: 7 * 86_400_000,
    startDate: undefined,
    ...input,
  }).map(
    (i) =>
      `${i.start.toISOString().slice(11, 19)}-${i.end.toISOString().slice(11, 19)}`,
  );

describe("due intervals", () => {
  test("a DAG seen for the first time starts with its latest interval", () => {
    assert.deepEqual(spans({}), ["09:00:00-10:00:00"]);
    assert.deepEqual(spans({ catchup: true }), ["09:00:00-10:00:00"]);
  });

  test("without catch-up, a gap after downtime runs only the latest interval", () => {
    assert.deepEqual(spans({ cursor: at(5) }), ["09:00:00-10:00:00"]);
  });

  test("with catch-up, every missed interval runs, oldest first", () => {
    assert.deepEqual(spans({ cursor: at(5), catchup: true }), [
      "05:00:00-06:00:00",
      "06:00:00-07:00:00",
      "07:00:00-08:00:00",
      "08:00:00-09:00:00",
      "09:00:00-10:00:00",
    ]);
  });

  test("catch-up stops at its window", () => {
    assert.deepEqual(
      spans({ cursor: at(0), catchup: true, catchupWindowMs: 2.5 * 3_600_000 }),
      ["08:00:00-09:00:00", "09:00:00-10:00:00"],
    );
  });

  test("catch-up reaches back to startDate for a DAG without runs", () => {
    assert.deepEqual(spans({ catchup: true, startDate: at(7, 30) }), [
      "08:00:00-09:00:00",
      "09:00:00-10:00:00",
    ]);
  });

  test("nothing is due again once the cursor has passed it", () => {
    assert.deepEqual(spans({ cursor: at(10) }), []);
    assert.deepEqual(spans({ cursor: at(10), catchup: true }), []);
  });

  test("fire times that came while the scheduler ticked are never dropped, even without catch-up", () => {
    const everyTwo = new CronSchedule("*/2 * * * * *", "UTC");
    const due = dueIntervals({
      schedule: everyTwo,
      now: at(10, 0, 10),
      cursor: at(10, 0, 0),
      liveSince: at(10, 0, 1),
      catchup: false,
      catchupWindowMs: 1000,
      startDate: undefined,
    });
    assert.equal(due.length, 5);
    assert.deepEqual(due[0]!.start, at(10, 0, 0));
    assert.deepEqual(due[4]!.end, at(10, 0, 10));
  });

  test("after a schedule edit the first interval starts at the cursor, so intervals never overlap (dagster#13597)", () => {
    const everyThree = new CronSchedule("*/3 * * * * *", "UTC");
    const due = dueIntervals({
      schedule: everyThree,
      now: at(10, 0, 13),
      cursor: at(10, 0, 10),
      liveSince: at(10, 0, 11),
      catchup: false,
      catchupWindowMs: 1000,
      startDate: undefined,
    });
    assert.deepEqual(
      due.map((i) => [i.start, i.end]),
      [[at(10, 0, 10), at(10, 0, 12)]],
    );
  });

  test("at most `max` intervals per call", () => {
    assert.equal(spans({ cursor: at(0), catchup: true, max: 3 }).length, 3);
  });
});
