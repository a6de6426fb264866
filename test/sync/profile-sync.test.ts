/**
 * Profiles by difference against real PostgreSQL and a real emulator
 * process: only new or changed profiles are sent, NULLs unset only what
 * this task sent, and a hash is stored only once Mixpanel acknowledged.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { dag } from "../../core/index.ts";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import {
  recordsSince,
  startHarness,
  type Harness,
} from "../helpers/sync-harness.ts";

interface Person {
  id: string;
  email: string | null;
  plan: string | null;
  score: number;
  updated_at: Date;
}

interface Profile {
  $distinct_id: string;
  $properties: Record<string, unknown>;
}

let h: Harness;

before(async () => {
  h = await startHarness();
});
after(async () => h?.close());

function peopleDag(id: string, table: string, ignoreNulls = false) {
  return dag(id, {}, (d) => {
    d.userProfiles("people", {
      from: h.warehouse.query<Person>`
        select id, email, plan, score, updated_at
          from ${Object.freeze({ text: table, values: Object.freeze([]) })}`,
      to: h.product,
      userId: "id",
      ignoreNulls,
      rejectThreshold: { maxShare: 1 },
      properties: {
        $email: "email",
        plan: "plan",
        tier: (r) => {
          if (r.score < 0) throw new Error("score must not be negative");
          return r.score >= 10 ? "high" : "low";
        },
      },
    });
  });
}

async function people(table: string, rows: Array<Partial<Person>>) {
  await h.exec(
    `create table ${table} (id text primary key, email text, plan text,
       score int not null default 1,
       updated_at timestamptz not null default '2024-05-01 10:00:00+00')`,
  );
  for (const r of rows) {
    await h.exec(
      `insert into ${table} (id, email, plan, score) values ($1, $2, $3, $4)`,
      [r.id, r.email ?? null, r.plan ?? null, r.score ?? 1],
    );
  }
}

async function run(d: DagDefinition, options: { fullRefresh?: boolean } = {}) {
  const before = (await h.requests()).length;
  const summary = await h.sync(d, options);
  const requests = (await h.requests()).slice(before);
  return {
    task: summary.tasks[0]!,
    requests: requests.length,
    sent: recordsSince(requests, 0, "/engage"),
  };
}

async function profile(id: string): Promise<Record<string, unknown>> {
  const all = await h.emulator.get<Profile[]>("/_emulator/profiles");
  return all.find((p) => p.$distinct_id === id)?.$properties ?? {};
}

async function engage(update: Record<string, unknown>) {
  const response = await fetch(`${h.emulator.url}/engage`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ $token: h.token, ...update }]),
  });
  assert.equal(response.status, 200);
}

describe("user profiles by difference", () => {
  let d: DagDefinition;

  before(async () => {
    await people("people", [
      { id: "p1", email: "one@example.com", plan: "pro" },
      { id: "p2", email: "two@example.com", plan: "free" },
      { id: "p3", email: "three@example.com", plan: null },
      { id: "p4", email: "four@example.com", plan: "pro", score: 20 },
    ]);
    d = peopleDag("people_dag", "people");
  });

  test("the first run sends every profile", async () => {
    const first = await run(d);
    assert.equal(first.task.state, "success", first.task.error);
    assert.equal(first.sent, 4);
    assert.equal((await profile("p4")).tier, "high");
  });

  test("a second run of an unchanged source sends nothing at all", async () => {
    const again = await run(d);
    assert.equal(again.task.rowsRead, 4);
    assert.equal(again.requests, 0);
  });

  test("one changed e-mail sends exactly one update", async () => {
    await h.exec("update people set email = 'uno@example.com' where id = 'p1'");
    const changed = await run(d);
    assert.equal(changed.sent, 1);
    assert.equal((await profile("p1")).$email, "uno@example.com");
  });

  test("a property this task sent that turned NULL is unset", async () => {
    await h.exec("update people set plan = null where id = 'p2'");
    const changed = await run(d);
    assert.equal(changed.sent, 2, "a $set and an $unset");
    const p2 = await profile("p2");
    assert.equal("plan" in p2, false);
    assert.equal(p2.$email, "two@example.com");
  });

  test("a NULL this task never sent leaves Mixpanel's value alone", async () => {
    // p3's plan was NULL from the start; another source set it.
    await engage({ $distinct_id: "p3", $set: { plan: "gold" } });
    await h.exec(
      "update people set email = 'tres@example.com' where id = 'p3'",
    );
    const changed = await run(d);
    assert.equal(changed.sent, 1, "the $set only");
    const p3 = await profile("p3");
    assert.equal(p3.plan, "gold");
    assert.equal(p3.$email, "tres@example.com");
  });

  test("a refused update stores no hash, so the next run sends it again", async () => {
    await h.exec(
      "update people set email = 'cuatro@example.com' where id = 'p4'",
    );
    await fetch(`${h.emulator.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ status5xx: { rate: 1, endpoints: ["/engage"] } }),
    });
    const refused = await h.sync(d, {
      clientOptions: {
        concurrency: 1,
        retry: { baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
      },
    });
    await fetch(`${h.emulator.url}/_emulator/faults`, {
      method: "POST",
      body: "{}",
    });
    assert.equal(refused.tasks[0]!.state, "failed");
    assert.equal((await profile("p4")).$email, "four@example.com");

    const retried = await run(d);
    assert.equal(retried.sent, 1);
    assert.equal((await profile("p4")).$email, "cuatro@example.com");
    assert.equal((await run(d)).requests, 0);
  });

  test("a rejected row is retried every run and clears once fixed", async () => {
    const open = () =>
      h.meta<{ row_key: string; field: string }>(
        `select r.row_key, r.field from rejected_rows r
           join dag_runs d on d.id = r.run_id
          where d.dag_id = 'people_dag' and r.cleared_at is null`,
      );
    await h.exec("update people set score = -1 where id = 'p1'");
    const rejected = await run(d);
    assert.equal(rejected.task.rejected, 1);
    assert.deepEqual(await open(), [{ row_key: "p1", field: "tier" }]);

    const again = await run(d);
    assert.equal(again.task.rejected, 1);
    assert.equal((await open()).length, 1);

    await h.exec("update people set score = 50 where id = 'p1'");
    const fixed = await run(d);
    assert.equal(fixed.task.rejected, 0);
    assert.equal(fixed.sent, 1);
    assert.deepEqual(await open(), []);
    assert.equal((await profile("p1")).tier, "high");
  });

  test("a full refresh sends every profile again", async () => {
    const refreshed = await run(d, { fullRefresh: true });
    assert.equal(refreshed.sent, 4);
    assert.equal((await run(d)).requests, 0);
  });
});

describe("with ignoreNulls", () => {
  test("a property that turned NULL keeps its value in Mixpanel", async () => {
    await people("keepers", [
      { id: "k1", email: "k@example.com", plan: "pro" },
    ]);
    const d = peopleDag("keepers_dag", "keepers", true);
    assert.equal((await run(d)).sent, 1);
    await h.exec("update keepers set plan = null where id = 'k1'");
    const changed = await run(d);
    assert.equal(changed.sent, 1, "a $set of the other properties, no $unset");
    const k1 = await profile("k1");
    assert.equal(k1.plan, "pro");
    assert.equal(k1.$email, "k@example.com");
  });
});

describe("incremental profiles", () => {
  test("read only rows past the cursor and still skip unchanged ones", async () => {
    await people("members", [
      { id: "m1", email: "m1@example.com" },
      { id: "m2", email: "m2@example.com" },
    ]);
    const d = dag("members_dag", {}, (b) => {
      b.userProfiles("members", {
        from: h.warehouse.query<Person>`select * from members`,
        to: h.product,
        userId: "id",
        incremental: { cursor: "updated_at" },
        properties: { $email: "email" },
      });
    });
    assert.equal((await run(d)).sent, 2);
    await h.exec(
      `update members set email = 'new@example.com',
         updated_at = '2024-05-02 00:00:00+00' where id = 'm2'`,
    );
    const changed = await run(d);
    assert.equal(changed.task.rowsRead, 1);
    assert.equal(changed.sent, 1);
    assert.equal((await run(d)).task.rowsRead, 0);
  });
});
