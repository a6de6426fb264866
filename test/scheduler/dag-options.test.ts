import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { dag } from "../../core/builder/dag-builder.ts";
import { DagDefinitionError } from "../../core/builder/dag-errors.ts";
import { env, isEnvRef } from "../../core/builder/env.ts";

const one = (options: Parameters<typeof dag>[1]) =>
  dag("opts", options, (d) => {
    d.task("t", () => {});
  });

describe("scheduling options of dag(...)", () => {
  test("default to no catch-up, one run at a time that queues, no retries", () => {
    const d = one({ schedule: "@hourly" });
    assert.deepEqual(
      {
        catchup: d.catchup,
        catchupWindowMs: d.catchupWindowMs,
        maxActiveRuns: d.maxActiveRuns,
        overlap: d.overlap,
        maxActiveTasks: d.maxActiveTasks,
        retries: d.retries,
        retryDelayMs: d.retryDelayMs,
        maxRetryDelayMs: d.maxRetryDelayMs,
        retryJitter: d.retryJitter,
        taskTimeoutMs: d.taskTimeoutMs,
        notify: d.notify,
      },
      {
        catchup: false,
        catchupWindowMs: 7 * 86_400_000,
        maxActiveRuns: 1,
        overlap: "queue",
        maxActiveTasks: 4,
        retries: 0,
        retryDelayMs: 30_000,
        maxRetryDelayMs: 600_000,
        retryJitter: 0.2,
        taskTimeoutMs: undefined,
        notify: undefined,
      },
    );
  });

  test("a webhook may be a URL or an environment variable", () => {
    assert.equal(
      one({ notify: { webhook: "https://hooks.example/x" } }).notify?.webhook,
      "https://hooks.example/x",
    );
    assert.ok(
      isEnvRef(one({ notify: { webhook: env("HOOK") } }).notify?.webhook),
    );
  });

  test("wrong values are refused, naming the option", () => {
    const cases: [Parameters<typeof dag>[1], RegExp][] = [
      [{ retries: -1 }, /retries must be a whole number of at least 0/],
      [{ retryJitter: 2 }, /retryJitter must be a share between 0 and 1/],
      [{ taskTimeoutMs: 0 }, /taskTimeoutMs must be a whole number/],
      [{ overlap: "drop" as "skip" }, /overlap must be "queue" or "skip"/],
      [{ maxActiveTasks: 0 }, /maxActiveTasks/],
      [
        { notify: { webhook: "ftp://x" } },
        /notify.webhook must be an http\(s\) URL/,
      ],
      [
        { notify: { webhook: "https://x", rejectedRowsAbove: -1 } },
        /rejectedRowsAbove/,
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => one(options),
        (e: unknown) =>
          e instanceof DagDefinitionError && message.test(e.message),
        String(message),
      );
    }
  });

  test("d.waitFor checks its spec when the DAG is built", () => {
    assert.throws(
      () =>
        dag("w", {}, (d) => {
          d.waitFor("w", { dag: "", task: "t" });
        }),
      /DAG "w", task "w": waitFor.dag must be the id of a dag/,
    );
    const ok = dag("w2", {}, (d) => {
      d.waitFor("upstream", { dag: "load", task: "orders", timeoutMs: 10 });
    });
    assert.equal(ok.task("upstream")?.kind, "task");
  });
});
