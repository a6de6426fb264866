/**
 * Cursor-mode events against real PostgreSQL and a real emulator process:
 * the boundaries where incremental syncs of other tools lost or repeated
 * rows (ties at the checkpoint, late commits, sub-millisecond cursors,
 * NULL cursors).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dag } from "../../core/index.ts";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import { insertIdFor } from "../../core/mapping/insert-id.ts";
import {
  recordsSince,
  startHarness,
  type Harness,
} from "../helpers/sync-harness.ts";

interface Click {
  id: string;
  user_id: string;
  ts: Date;
}

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

/** A DAG with a strict task (no look-back) and a one-hour look-back one. */
function clicksDag(id: string, table: string): DagDefinition {
  return dag(id, {}, (d) => {
    const from = h.warehouse.query<Click>`
      select id, user_id, ts from ${rawTable(table)}`;
    const common = {
      from,
      to: h.product,
      insertId: "id",
      userId: "user_id",
      time: "ts",
      rejectThreshold: { maxShare: 1 },
    } as const;
    d.events("strict", {
      ...common,
      event: "Strict Click",
      incremental: { cursor: "ts" },
    });
    d.events("late", {
      ...common,
      event: "Late Click",
      incremental: { cursor: "ts", lookbackMs: 60 * 60_000 },
    });
  });
}

function rawTable(name: string) {
  return Object.freeze({ text: name, values: Object.freeze([]) });
}

async function table(name: string, rows: Array<[string, string | null]>) {
  await h.exec(
    `create table ${name} (id text primary key, user_id text not null
       default 'u1', ts timestamptz)`,
  );
  await insert(name, rows);
}

async function insert(name: string, rows: Array<[string, string | null]>) {
  for (const [id, ts] of rows) {
    await h.exec(`insert into ${name} (id, ts) values ($1, $2)`, [id, ts]);
  }
}

async function checkpoint(dagId: string, taskId: string) {
  const rows = await h.meta<{ value: { cursor: string; key: string } }>(
    "select value from checkpoints where dag_id = $1 and task_id = $2",
    [dagId, taskId],
  );
  return rows[0]?.value;
}

/** Runs one task and returns the records Mixpanel received for it. */
async function syncTask(d: DagDefinition, task: string, stopAfter?: number) {
  const before = (await h.requests()).length;
  const controller = new AbortController();
  const summary = await h.sync(d, {
    taskIds: [task],
    signal: controller.signal,
    listener: (event) => {
      if (
        stopAfter !== undefined &&
        event.type === "task-progress" &&
        event.counters.recordsSent >= stopAfter
      ) {
        controller.abort();
      }
    },
  });
  const sent = recordsSince(await h.requests(), before, "/import");
  return { summary, sent, task: summary.tasks[0]! };
}

const TIE = "2024-05-01 10:00:00.123456+00";

describe("rows sharing one cursor value", () => {
  const ids = Array.from(
    { length: 25 },
    (_, i) => `r${String(i + 1).padStart(2, "0")}`,
  );
  let d: DagDefinition;

  before(async () => {
    await table(
      "ties",
      ids.map((id) => [id, TIE]),
    );
    d = clicksDag("ties_dag", "ties");
  });

  test("a run stopped inside the tie resumes there: none skipped, none sent twice", async () => {
    const first = await syncTask(d, "strict", 6);
    assert.equal(first.task.state, "failed", "the first run was stopped");
    assert.ok(first.sent >= 6 && first.sent < 25, `first sent ${first.sent}`);
    const cp = await checkpoint("ties_dag", "strict");
    assert.equal(cp?.cursor, "2024-05-01 10:00:00.123456+00");
    assert.ok(cp.key > "r01" && cp.key < "r25", `stopped mid-tie at ${cp.key}`);

    const second = await syncTask(d, "strict");
    assert.equal(second.task.state, "success", second.task.error);
    assert.equal(first.sent + second.sent, 25, "each row sent exactly once");

    const stored = (await h.events()).filter((e) => e.event === "Strict Click");
    assert.equal(stored.length, 25);
  });

  test("the tie is not read again forever: an unchanged source sends nothing", async () => {
    const again = await syncTask(d, "strict");
    assert.equal(again.task.state, "success");
    assert.equal(again.sent, 0);
    assert.equal(again.task.rowsRead, 0, "rows past the checkpoint only");
  });

  test("a row arriving later with the tie's value and a higher key is sent once", async () => {
    await insert("ties", [["r26", TIE]]);
    assert.equal((await syncTask(d, "strict")).sent, 1);
    assert.equal((await syncTask(d, "strict")).sent, 0);
  });
});

describe("a row committed late with an older cursor", () => {
  let d: DagDefinition;

  before(async () => {
    await table("late_rows", [
      ["a1", "2024-05-01 10:00:00+00"],
      ["a2", "2024-05-01 10:10:00+00"],
      ["a3", "2024-05-01 10:20:00+00"],
    ]);
    d = clicksDag("late_dag", "late_rows");
    assert.equal((await syncTask(d, "late")).sent, 3);
    assert.equal((await syncTask(d, "strict")).sent, 3);
    await insert("late_rows", [
      ["a0", "2024-05-01 10:05:00+00"], // inside the hour before 10:20
      ["z9", "2024-05-01 08:00:00+00"], // older than the look-back
    ]);
  });

  test("inside the look-back window it is sent, and only it", async () => {
    const run = await syncTask(d, "late");
    assert.equal(run.sent, 1);
    assert.equal(run.task.rowsRead, 4, "the window was read again");
    const late = (await h.events()).filter((e) => e.event === "Late Click");
    assert.deepEqual(
      late.map((e) => e.properties.distinct_id).length,
      4,
      "a1, a2, a3 and a0",
    );
  });

  test("acknowledged rows of the window are not sent again on later runs", async () => {
    const run = await syncTask(d, "late");
    assert.equal(run.sent, 0);
    assert.equal(run.task.rowsRead, 4);
  });

  test("without a look-back, a late row behind the checkpoint is not seen", async () => {
    // Documented: choose lookbackMs longer than the longest transaction.
    assert.equal((await syncTask(d, "strict")).sent, 0);
  });
});

describe("microsecond cursors", () => {
  let d: DagDefinition;

  before(async () => {
    await table("micro", [["b", "2024-05-01 10:00:00.000001+00"]]);
    d = clicksDag("micro_dag", "micro");
  });

  test("the checkpoint keeps every microsecond", async () => {
    assert.equal((await syncTask(d, "strict")).sent, 1);
    const cp = await checkpoint("micro_dag", "strict");
    assert.equal(cp?.cursor, "2024-05-01 10:00:00.000001+00");
  });

  test("a row one microsecond later (same millisecond, lower key) is sent", async () => {
    // A millisecond cursor would compare (10:00:00.000, "a") with
    // (10:00:00.000, "b") and skip this row.
    await insert("micro", [["a", "2024-05-01 10:00:00.000002+00"]]);
    assert.equal((await syncTask(d, "strict")).sent, 1);
    assert.equal(
      (await checkpoint("micro_dag", "strict"))?.cursor,
      "2024-05-01 10:00:00.000002+00",
    );
    const ids = new Set(
      ["a", "b"].map((k) => insertIdFor("micro_dag", "strict", k)),
    );
    const stored = (await h.events()).filter((e) =>
      ids.has(e.properties.$insert_id as string),
    );
    assert.deepEqual(
      stored.map((e) => e.properties.time),
      [Date.UTC(2024, 4, 1, 10), Date.UTC(2024, 4, 1, 10)],
      "both events, in the same millisecond",
    );
  });
});

describe("rows whose cursor is NULL", () => {
  let d: DagDefinition;

  before(async () => {
    await table("null_cursor", [
      ["n1", null],
      ["n2", "2024-05-01 11:00:00+00"],
    ]);
    d = clicksDag("nulls_dag", "null_cursor");
  });

  async function open() {
    return h.meta<{ row_key: string; field: string }>(
      `select r.row_key, r.field from rejected_rows r
         join dag_runs d on d.id = r.run_id
        where d.dag_id = 'nulls_dag' and r.task_id = 'strict'
          and r.cleared_at is null`,
    );
  }

  test("are not sent but reported as rejected, naming the cursor column", async () => {
    const run = await syncTask(d, "strict");
    assert.equal(run.sent, 1);
    assert.equal(run.task.rejected, 1);
    assert.deepEqual(await open(), [{ row_key: "n1", field: "ts" }]);
  });

  test("are reported again each run, once per row", async () => {
    const run = await syncTask(d, "strict");
    assert.equal(run.sent, 0);
    assert.equal(run.task.rejected, 1);
    assert.equal((await open()).length, 1, "the older report was superseded");
  });

  test("are sent once they get a cursor, even one behind the checkpoint", async () => {
    await h.exec(
      "update null_cursor set ts = '2024-05-01 09:00:00+00' where id = 'n1'",
    );
    const run = await syncTask(d, "strict");
    assert.equal(run.sent, 1);
    assert.equal(run.task.rejected, 0);
    assert.deepEqual(await open(), []);
    assert.equal((await syncTask(d, "strict")).sent, 0);
  });
});
