import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  isRetryable,
  retryDelay,
  type RetryPolicy,
} from "../../core/scheduler/retry-policy.ts";

const policy: RetryPolicy = {
  retries: 5,
  retryDelayMs: 100,
  maxRetryDelayMs: 1000,
  retryJitter: 0.2,
};

describe("retry policy", () => {
  test("waits double with each try and stop at the cap", () => {
    const waits = [1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, policy, 0));
    assert.deepEqual(waits, [100, 200, 400, 800, 1000, 1000]);
  });

  test("jitter only shortens a wait, by at most its share", () => {
    assert.equal(retryDelay(3, policy, 0.999_999), 320);
    for (let i = 0; i < 100; i += 1) {
      const wait = retryDelay(2, policy);
      assert.ok(wait >= 160 && wait <= 200, `wait ${wait}`);
    }
  });

  test("bad configuration, refused credentials and rejected rows fail at once", () => {
    for (const code of [
      "CONFIG_INVALID",
      "MIXPANEL_AUTH",
      "MIXPANEL_BAD_REQUEST",
      "TASK_FAILED",
      "WAIT_TIMEOUT",
    ]) {
      assert.equal(isRetryable(code), false, code);
    }
  });

  test("timeouts, server trouble and errors of user code are retried", () => {
    for (const code of [
      "TASK_TIMEOUT",
      "MIXPANEL_RETRIES_EXHAUSTED",
      "MIXPANEL_SERVER",
      "SOURCE_QUERY",
      undefined,
    ]) {
      assert.equal(isRetryable(code), true, String(code));
    }
  });
});
