/**
 * Mirror mode is declared on profile tasks only, needs a full read, and
 * its safety share is checked when the DAG is built.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  dag,
  DagDefinitionError,
  env,
  mixpanel,
  postgres,
} from "../../core/index.ts";
import type { GroupProfilesTask } from "../../core/builder/dag-definition.ts";

const warehouse = postgres("w", { url: env("W_URL") });
const product = mixpanel("p", { token: "t" });

function groups(extra: Record<string, unknown>) {
  return dag("d", {}, (d) => {
    d.groupProfiles("g", {
      from: warehouse.query<{ id: string; at: Date }>`select id, at from g`,
      to: product,
      groupKey: "company_id",
      groupId: "id",
      ...extra,
    });
  }).task("g") as GroupProfilesTask;
}

test("mirror: true means the default 20 % share", () => {
  assert.deepEqual(groups({ mirror: true }).mirror, {});
  assert.deepEqual(groups({ mirror: { maxDeleteShare: 0.5 } }).mirror, {
    maxDeleteShare: 0.5,
  });
  assert.equal(groups({}).mirror, undefined);
});

test("mirror with an incremental read is refused: deletions need a full read", () => {
  assert.throws(
    () => groups({ mirror: true, incremental: { cursor: "at" } }),
    (e: unknown) =>
      e instanceof DagDefinitionError && /needs a full read/.test(e.message),
  );
});

test("a share outside (0, 1] is refused", () => {
  for (const maxDeleteShare of [0, 1.5, -1]) {
    assert.throws(() => groups({ mirror: { maxDeleteShare } }), /mirror must/);
  }
});

test("events can not be mirrored", () => {
  assert.throws(
    () =>
      dag("d", {}, (d) => {
        d.events("e", {
          from: warehouse.query<{ id: string; u: string; at: Date }>`select 1`,
          to: product,
          insertId: "id",
          userId: "u",
          time: "at",
          ...({ mirror: true } as object),
        });
      }),
    /events are never deleted/,
  );
});
