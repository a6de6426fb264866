import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  CronSchedule,
  ScheduleError,
} from "../../core/scheduler/cron-schedule.ts";
import { parseZonedDate } from "../../core/scheduler/zone-time.ts";

const iso = (d: Date | undefined) => d?.toISOString();

/** The next `n` fire times after `from`, as ISO strings. */
function fires(expr: string, zone: string, from: string, n: number) {
  const schedule = new CronSchedule(expr, zone);
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i += 1) {
    at = schedule.next(at)!;
    out.push(at.toISOString());
  }
  return out;
}

/** Wall-clock reading of an instant in a zone, for readable assertions. */
const wall = (at: string, zone: string) =>
  new Date(at).toLocaleString("sv-SE", { timeZone: zone });

describe("cron fire times", () => {
  test("five fields read in UTC by default", () => {
    assert.deepEqual(fires("*/15 * * * *", "UTC", "2024-01-01T00:07:00Z", 3), [
      "2024-01-01T00:15:00.000Z",
      "2024-01-01T00:30:00.000Z",
      "2024-01-01T00:45:00.000Z",
    ]);
  });

  test("six fields put seconds first", () => {
    assert.deepEqual(
      fires("*/2 * * * * *", "UTC", "2024-01-01T00:00:00.500Z", 2),
      ["2024-01-01T00:00:02.000Z", "2024-01-01T00:00:04.000Z"],
    );
  });

  test("a fire time is strictly after the instant asked about", () => {
    const daily = new CronSchedule("@daily", "UTC");
    assert.equal(
      iso(daily.next(new Date("2024-01-01T00:00:00Z"))),
      "2024-01-02T00:00:00.000Z",
    );
  });

  test("day of month and day of week combine as in crontab (either)", () => {
    assert.deepEqual(fires("0 0 1 * MON", "UTC", "2024-01-01T00:00:00Z", 5), [
      "2024-01-08T00:00:00.000Z",
      "2024-01-15T00:00:00.000Z",
      "2024-01-22T00:00:00.000Z",
      "2024-01-29T00:00:00.000Z",
      "2024-02-01T00:00:00.000Z",
    ]);
  });

  test("L, W and # select the days they name", () => {
    assert.deepEqual(fires("0 0 L * *", "UTC", "2024-01-31T12:00:00Z", 2), [
      "2024-02-29T00:00:00.000Z",
      "2024-03-31T00:00:00.000Z",
    ]);
    // 2024-06-15 is a Saturday: the nearest weekday is Friday the 14th.
    assert.deepEqual(fires("0 0 15W * *", "UTC", "2024-06-01T00:00:00Z", 1), [
      "2024-06-14T00:00:00.000Z",
    ]);
    assert.deepEqual(fires("0 0 * * 1#2", "UTC", "2024-01-01T00:00:00Z", 1), [
      "2024-01-08T00:00:00.000Z",
    ]);
    assert.deepEqual(fires("0 0 * * 5L", "UTC", "2024-01-01T00:00:00Z", 1), [
      "2024-01-26T00:00:00.000Z",
    ]);
  });

  test("a rare expression is found years ahead, without spinning", () => {
    assert.deepEqual(fires("0 0 29 2 *", "UTC", "2024-03-01T00:00:00Z", 1), [
      "2028-02-29T00:00:00.000Z",
    ]);
  });

  test("an invalid expression or zone is a ScheduleError", () => {
    assert.throws(() => new CronSchedule("61 * * * *"), ScheduleError);
    assert.throws(() => new CronSchedule("* * *"), ScheduleError);
    assert.throws(
      () => new CronSchedule("@daily", "Mars/Olympus"),
      (e: unknown) =>
        e instanceof ScheduleError && e.code === "SCHEDULE_INVALID",
    );
  });

  test("the host's zone never leaks in (croner#284, node-cron#174)", () => {
    const before = process.env.TZ;
    const expected = fires("0 * * * *", "UTC", "2024-10-05T14:10:00Z", 4);
    try {
      process.env.TZ = "Australia/Sydney";
      assert.deepEqual(
        fires("0 * * * *", "UTC", "2024-10-05T14:10:00Z", 4),
        expected,
      );
      assert.deepEqual(
        fires("30 2 * * *", "Europe/Berlin", "2024-03-30T12:00:00Z", 1),
        ["2024-03-31T01:00:00.000Z"],
      );
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});

describe("DST policy", () => {
  const zones = [
    // zone, spring-gap day, a time in its gap, autumn day, a repeated time
    {
      zone: "Europe/Berlin",
      spring: { day: "2024-03-31", gap: "02:30", after: "03:00:00" },
      autumn: { day: "2024-10-27", repeated: "02:30" },
    },
    {
      zone: "America/New_York",
      spring: { day: "2024-03-10", gap: "02:30", after: "03:00:00" },
      autumn: { day: "2024-11-03", repeated: "01:30" },
    },
    {
      // Half-hour DST: 02:00 → 02:30 in October, 02:00 → 01:30 in April.
      zone: "Australia/Lord_Howe",
      spring: { day: "2024-10-06", gap: "02:15", after: "02:30:00" },
      autumn: { day: "2024-04-07", repeated: "01:45" },
    },
  ];

  for (const { zone, spring, autumn } of zones) {
    test(`${zone}: a daily time in the spring gap runs at the jump, that day (node-cron#518)`, () => {
      const [h, m] = spring.gap.split(":").map(Number);
      const expr = `${m} ${h} * * *`;
      const dayBefore = parseZonedDate(`${spring.day}T00:00`, zone)!;
      dayBefore.setUTCDate(dayBefore.getUTCDate() - 1);
      const [before, onDay, after] = fires(expr, zone, iso(dayBefore)!, 3);
      assert.match(wall(before!, zone), new RegExp(`${spring.gap}:00$`));
      assert.equal(wall(onDay!, zone), `${spring.day} ${spring.after}`);
      assert.match(wall(after!, zone), new RegExp(`${spring.gap}:00$`));
    });

    test(`${zone}: a time of the repeated hour runs once, at its first occurrence`, () => {
      const [h, m] = autumn.repeated.split(":").map(Number);
      const schedule = new CronSchedule(`${m} ${h} * * *`, zone);
      const start = parseZonedDate(`${autumn.day}T00:00`, zone)!;
      const end = new Date(start.getTime() + 86_400_000);
      const day = schedule.fires(start, end);
      assert.equal(day.length, 1);
      const first = parseZonedDate(`${autumn.day}T${autumn.repeated}`, zone);
      assert.equal(iso(day[0]), iso(first));
    });

    test(`${zone}: a 15-minute schedule over both DST days runs each wall-clock time once, with contiguous intervals (croner#286)`, () => {
      const schedule = new CronSchedule("*/15 * * * *", zone);
      for (const day of [spring.day, autumn.day]) {
        const start = parseZonedDate(`${day}T00:00`, zone)!;
        const end = new Date(start.getTime() + 2 * 86_400_000);
        const times = schedule.fires(start, end);
        const walls = times.map((t) => wall(t.toISOString(), zone));
        assert.equal(new Set(walls).size, walls.length, "no wall time twice");
        for (let i = 1; i < times.length; i += 1) {
          const gap = times[i]!.getTime() - times[i - 1]!.getTime();
          assert.ok(gap > 0 && gap <= 75 * 60_000, `gap ${gap} at ${i}`);
          const interval = schedule.intervalEnding(times[i]!);
          assert.equal(iso(interval.start), iso(times[i - 1]));
        }
      }
    });
  }

  test("an hourly schedule in Berlin's autumn overlap leaves a two-hour interval, not two runs", () => {
    assert.deepEqual(
      fires("0 * * * *", "Europe/Berlin", "2024-10-26T23:30:00Z", 3),
      [
        "2024-10-27T00:00:00.000Z", // 02:00 CEST
        "2024-10-27T02:00:00.000Z", // 03:00 CET
        "2024-10-27T03:00:00.000Z",
      ],
    );
  });

  test("next and previous never go backwards around any transition (apache/airflow#30088)", () => {
    // Each zone over the two days around each of its 2024 transitions.
    const cases = [
      ["Europe/Berlin", "0 * * * *", ["2024-03-30", "2024-10-26"]],
      ["America/New_York", "30 1,2 * * *", ["2024-03-09", "2024-11-02"]],
      ["Australia/Lord_Howe", "*/30 * * * *", ["2024-04-06", "2024-10-05"]],
      ["Australia/Lord_Howe", "45 1 * * *", ["2024-04-06", "2024-10-05"]],
    ] as const;
    for (const [zone, expr, days] of cases) {
      const schedule = new CronSchedule(expr, zone);
      for (const day of days) {
        const start = new Date(`${day}T00:00:00Z`).getTime();
        // Every 23 minutes and 13 ms over two days.
        for (let t = start; t < start + 2 * 86_400_000; t += 23 * 60_000 + 13) {
          const at = new Date(t);
          const next = schedule.next(at)!;
          const prev = schedule.previous(at)!;
          assert.ok(next > at, `${zone} ${expr}: next after ${iso(at)}`);
          assert.ok(prev <= at, `${zone} ${expr}: previous of ${iso(at)}`);
          assert.equal(iso(schedule.next(prev)), iso(next));
          assert.equal(iso(schedule.previous(next)), iso(next));
        }
      }
    }
  });
});

describe("dates given on the command line", () => {
  test("a date without a zone is midnight in the DAG's zone", () => {
    assert.equal(
      iso(parseZonedDate("2024-01-15", "Europe/Berlin")),
      "2024-01-14T23:00:00.000Z",
    );
    assert.equal(
      iso(parseZonedDate("2024-01-15T06:30", "America/New_York")),
      "2024-01-15T11:30:00.000Z",
    );
  });

  test("a date with Z or an offset is an instant", () => {
    assert.equal(
      iso(parseZonedDate("2024-01-15T00:00:00Z", "Europe/Berlin")),
      "2024-01-15T00:00:00.000Z",
    );
    assert.equal(
      iso(parseZonedDate("2024-01-15T00:00:00+02:00", "UTC")),
      "2024-01-14T22:00:00.000Z",
    );
  });

  test("anything else is refused", () => {
    assert.equal(parseZonedDate("yesterday", "UTC"), undefined);
    assert.equal(parseZonedDate("2024-02-30", "UTC"), undefined);
  });
});
