import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { sql } from "../../core/source/sql.ts";
import { parseZone } from "../../core/source/zone.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

const run = promisify(execFile);
const SCRIPT = "test/fixtures/source/read-timestamps.ts";

interface Read {
  ts: number;
  day: string;
  tstz: number;
  param: number;
  matches: boolean;
}

let db: TestDatabase;

async function readIn(tz: string, zone: string): Promise<Read[]> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, TZ: tz, SOURCE_URL: db.url, SOURCE_ZONE: zone },
  });
  return JSON.parse(stdout) as Read[];
}

before(async () => {
  db = await createTestDatabase("bf_source_tz");
  const source = new PostgresSource({ name: "setup", url: db.url });
  await source.execute(sql`
    create table stamps (id int, ts timestamp, day date, tstz timestamptz);
    insert into stamps values
      (1, '2024-01-15 10:00:00', '2024-01-15', '2024-01-15 10:00:00+00'),
      (2, '2024-07-01 23:30:00', '2024-07-01', '2024-07-01 23:30:00+02'),
      (3, '2024-03-10 02:30:00', '2024-03-10', '2024-03-10 02:30:00-05');
  `);
  await source.close();
});

after(async () => {
  await db.drop();
});

describe("timestamp without time zone", () => {
  test("reads the same instants whatever the process's TZ", async () => {
    const inUtc = await readIn("UTC", "UTC");
    const inNewYork = await readIn("America/New_York", "UTC");
    assert.deepEqual(inNewYork, inUtc);
    assert.equal(inUtc[0]?.ts, Date.UTC(2024, 0, 15, 10));
    assert.equal(inUtc[1]?.ts, Date.UTC(2024, 6, 1, 23, 30));
  });

  test("a date never shifts by a day", async () => {
    const rows = await readIn("Pacific/Kiritimati", "America/New_York");
    assert.deepEqual(
      rows.map((r) => r.day),
      ["2024-01-15", "2024-07-01", "2024-03-10"],
    );
  });

  test("a Date parameter means the same wall time in the declared zone", async () => {
    const inUtc = await readIn("UTC", "UTC");
    const inNewYork = await readIn("America/New_York", "UTC");
    for (const rows of [inUtc, inNewYork]) {
      assert.equal(rows[0]?.param, Date.UTC(2024, 0, 15, 10));
      assert.deepEqual(
        rows.map((r) => r.matches),
        [true, false, false],
      );
    }
  });

  test("is read in the connection's declared zone", async () => {
    const rows = await readIn("Asia/Tokyo", "America/New_York");
    assert.equal(rows[0]?.ts, Date.UTC(2024, 0, 15, 15));
    assert.equal(rows[1]?.ts, Date.UTC(2024, 6, 2, 3, 30));
    // 02:30 does not exist on that day in New York; like PostgreSQL's
    // AT TIME ZONE, it takes the offset before the change (03:30 EDT).
    assert.equal(rows[2]?.ts, Date.UTC(2024, 2, 10, 7, 30));
    assert.equal(rows[1]?.tstz, Date.UTC(2024, 6, 1, 21, 30));
  });

  test("a fixed UTC offset is a declared zone too", async () => {
    const rows = await readIn("America/New_York", "+05:30");
    assert.equal(rows[0]?.ts, Date.UTC(2024, 0, 15, 4, 30));
  });
});

describe("parseZone", () => {
  test("resolves a fall-back overlap to the later instant, as PostgreSQL", () => {
    const zone = parseZone("America/New_York", "wh");
    const wall = Date.UTC(2024, 10, 3, 1, 30);
    assert.equal(zone.instantOf(wall), Date.UTC(2024, 10, 3, 6, 30));
  });

  test("inverts offsets for PostgreSQL's POSIX-style setting", () => {
    assert.equal(parseZone("+05:30", "wh").sessionSetting, "<+0530>-05:30");
    assert.equal(parseZone("-08", "wh").sessionSetting, "<-0800>+08:00");
    assert.equal(parseZone("UTC", "wh").sessionSetting, "UTC");
  });
});
