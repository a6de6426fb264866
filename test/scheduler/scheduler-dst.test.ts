/**
 * The DST policy, through the whole loop: a pinned clock walks across each
 * 2024 transition of three zones, an hour per pass, and the runs in the
 * store are checked. Policy: a time that does not exist runs at the next
 * valid instant, a time that occurs twice runs once, data intervals stay
 * contiguous.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { pinnedClock } from "../../core/scheduler/clock.ts";
import { CronSchedule } from "../../core/scheduler/cron-schedule.ts";
import { parseZonedDate } from "../../core/scheduler/zone-time.ts";
import {
  openHarness,
  runsOf,
  settle,
  startScheduler,
  type Harness,
} from "./harness.ts";

let h: Harness;
before(async () => {
  h = await openHarness("bf_sched_dst");
});
after(() => h.close());

const HOUR = 3_600_000;

// Per zone and transition: a daily time inside the gap (spring) or the
// repeated hour (autumn), and the one instant it must fire at that day.
const zones = [
  {
    zone: "Europe/Berlin",
    spring: { day: "2024-03-31", daily: "30 2 * * *", at: "2024-03-31T03:00" },
    autumn: { day: "2024-10-27", daily: "30 2 * * *", at: "2024-10-27T02:30" },
  },
  {
    zone: "America/New_York",
    spring: { day: "2024-03-10", daily: "30 2 * * *", at: "2024-03-10T03:00" },
    autumn: { day: "2024-11-03", daily: "30 1 * * *", at: "2024-11-03T01:30" },
  },
  {
    // Half-hour DST: 02:00 → 02:30 in October, 02:00 → 01:30 in April.
    zone: "Australia/Lord_Howe",
    spring: { day: "2024-10-06", daily: "15 2 * * *", at: "2024-10-06T02:30" },
    autumn: { day: "2024-04-07", daily: "45 1 * * *", at: "2024-04-07T01:45" },
  },
];

for (const { zone, spring, autumn } of zones) {
  describe(`DST in ${zone}`, () => {
    const slug = zone.replace(/\W+/g, "-").toLowerCase();

    for (const [season, change] of [
      ["spring gap", spring],
      ["autumn overlap", autumn],
    ] as const) {
      test(`${season}: hourly intervals tile the day and a daily run fires once, at the policy's instant`, async () => {
        const id = `${slug}-${season.split(" ")[0]}`;
        const hourly = dag(
          `${id}-hourly`,
          { schedule: "0 * * * *", timezone: zone },
          (d) => {
            d.task("t", () => {});
          },
        );
        const onceADay = dag(
          `${id}-daily`,
          { schedule: change.daily, timezone: zone },
          (d) => {
            d.task("t", () => {});
          },
        );
        const dayStart = parseZonedDate(change.day, zone)!;
        const from = new Date(dayStart.getTime() - 2 * HOUR + 10 * 60_000);
        const until = new Date(dayStart.getTime() + 26 * HOUR);
        const clock = pinnedClock(from);
        const s = startScheduler(h.store, [hourly, onceADay], {
          clock,
          maxTickGapMs: 2 * HOUR,
        });
        let last = from;
        while (clock.now() <= until) {
          await settle(s);
          last = clock.now();
          clock.advance(HOUR);
        }
        await s.scheduler.stop();

        // Hourly: exactly the schedule's fire times, each once, no gap.
        const runs = await runsOf(h.store, hourly.id);
        const ends = runs.map((r) => r.dataIntervalEnd!.toISOString());
        const expected = new CronSchedule("0 * * * *", zone)
          .fires(runs[0]!.dataIntervalStart!, last)
          .map((d) => d.toISOString());
        assert.deepEqual(ends, expected);
        for (let i = 1; i < runs.length; i += 1) {
          assert.equal(
            runs[i]!.dataIntervalStart!.toISOString(),
            runs[i - 1]!.dataIntervalEnd!.toISOString(),
          );
        }
        assert.ok(runs.every((r) => r.state === "success"));

        // Daily: the run closing on the transition day, at the policy's time.
        const dailyEnds = (await runsOf(h.store, onceADay.id)).map((r) =>
          r.dataIntervalEnd!.toISOString(),
        );
        const want = parseZonedDate(change.at, zone)!.toISOString();
        assert.equal(dailyEnds.filter((e) => e === want).length, 1);
        assert.equal(new Set(dailyEnds).size, dailyEnds.length);
      });
    }
  });
}
