import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { mixpanel } from "../../core/builder/mixpanel-connection.ts";
import { postgres } from "../../core/builder/postgres-connection.ts";
import type { DagRun } from "../../core/store/records.ts";
import type { TaskRow } from "../../core/scheduler/task-leases.ts";
import { judgeRun, pickTasks } from "../../core/scheduler/task-picker.ts";

const warehouse = postgres("warehouse", { url: "postgres://localhost/w" });
const product = mixpanel("product", { token: "t" });

/** A DAG of `n` independent event tasks, all sending to `product`. */
function syncDag(id: string, n: number, maxActiveTasks = 8) {
  return dag(id, { maxActiveTasks }, (d) => {
    for (let i = 0; i < n; i += 1) {
      d.events(`e${i}`, {
        from: warehouse.query<{ id: string; t: Date }>`select id, t from x`,
        to: product,
        event: "E",
        insertId: "id",
        userId: "id",
        time: "t",
      });
    }
  });
}

const run = (id: number, dagId: string) =>
  ({ id, dagId, logicalDate: new Date(id) }) as DagRun;

const rows = (runId: number, ids: string[], state = "queued"): TaskRow[] =>
  ids.map((taskId) => ({
    runId,
    taskId,
    state: state as TaskRow["state"],
    tryNumber: 0,
    maxTries: 1,
    nextTryAt: null,
    pool: null,
  }));

describe("picking tasks", () => {
  test("a Mixpanel connection's cap holds across DAGs and counts tasks already running elsewhere", () => {
    const a = syncDag("a", 3);
    const b = syncDag("b", 3);
    const picks = pickTasks({
      runs: [
        { run: run(1, "a"), dag: a },
        { run: run(2, "b"), dag: b },
      ],
      rows: [...rows(1, ["e0", "e1", "e2"]), ...rows(2, ["e0", "e1", "e2"])],
      now: new Date(),
      capacity: 10,
      runningByDag: new Map(),
      runningByPool: new Map([["product", 1]]),
      poolCap: (pool) => (pool === "product" ? 3 : 99),
    });
    assert.deepEqual(
      picks.map((p) => `${p.dagId}.${p.taskId}@${p.pool}`),
      ["a.e0@product", "a.e1@product"],
    );
  });

  test("a retry waits for its time; dependencies must have succeeded", () => {
    const chain = dag("chain", {}, (d) => {
      const first = d.task("first", () => {});
      d.task("second", () => {}).after(first);
      d.task("third", () => {});
    });
    const now = new Date("2024-01-01T00:00:00Z");
    const picks = pickTasks({
      runs: [{ run: run(1, "chain"), dag: chain }],
      rows: [
        ...rows(1, ["first"], "running"),
        ...rows(1, ["second"]),
        {
          ...rows(1, ["third"], "up_for_retry")[0]!,
          nextTryAt: new Date("2024-01-01T00:00:01Z"),
        },
      ],
      now,
      capacity: 10,
      runningByDag: new Map(),
      runningByPool: new Map(),
      poolCap: () => 4,
    });
    assert.deepEqual(picks, []);
  });

  test("a failure closes everything downstream, and the run ends failed", () => {
    const chain = dag("chain2", {}, (d) => {
      const first = d.task("first", () => {});
      const second = d.task("second", () => {}).after(first);
      d.task("third", () => {}).after(second);
      d.task("side", () => {});
    });
    const verdict = judgeRun(chain, [
      ...rows(1, ["first"], "failed"),
      ...rows(1, ["second", "third"]),
      ...rows(1, ["side"], "success"),
    ]);
    assert.deepEqual(
      verdict.close.map((c) => [c.taskIds, c.state, c.reason]),
      [
        [["second"], "upstream_failed", 'upstream task "first" failed'],
        [["third"], "upstream_failed", 'upstream task "second" failed'],
      ],
    );
    assert.equal(verdict.final, "failed");
  });
});
