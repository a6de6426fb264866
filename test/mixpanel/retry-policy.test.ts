import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  backoffDelay,
  isRetryableStatus,
  mayRetry,
  networkErrorCode,
  parseRetryAfter,
  retryPolicy,
} from "../../core/mixpanel/retry-policy.ts";

describe("retry policy", () => {
  it("retries 429, 408 and 5xx (524 included), nothing else", () => {
    for (const status of [429, 408, 500, 502, 503, 504, 524]) {
      assert.equal(isRetryableStatus(status), true, String(status));
    }
    for (const status of [200, 400, 401, 403, 404, 413]) {
      assert.equal(isRetryableStatus(status), false, String(status));
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter(["0.5"], now), 500);
    assert.equal(
      parseRetryAfter(new Date(now + 7000).toUTCString(), now),
      7000,
    );
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  it("draws full-jitter delays under a doubling, capped ceiling", () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    const top = () => 0.999999;
    assert.equal(backoffDelay(policy, 0, undefined, top), 99);
    assert.equal(backoffDelay(policy, 2, undefined, top), 399);
    assert.equal(backoffDelay(policy, 10, undefined, top), 999);
    assert.equal(
      backoffDelay(policy, 3, undefined, () => 0),
      0,
    );
  });

  it("never waits less than Retry-After", () => {
    const policy = retryPolicy({ baseDelayMs: 10, maxDelayMs: 20 });
    assert.equal(
      backoffDelay(policy, 0, 1500, () => 0.5),
      1500,
    );
  });

  it("stops at maxAttempts or when the wait would pass maxElapsedMs", () => {
    const policy = retryPolicy({ maxAttempts: 3, maxElapsedMs: 1000 });
    assert.equal(mayRetry(policy, 2, 0, 10), true);
    assert.equal(mayRetry(policy, 3, 0, 10), false);
    assert.equal(mayRetry(policy, 1, 900, 200), false);
  });

  it("recognises connection failures through a cause chain", () => {
    const reset = Object.assign(new Error("read ECONNRESET"), {
      code: "ECONNRESET",
    });
    const wrapped = new Error("fetch failed", { cause: reset });
    assert.equal(networkErrorCode(wrapped), "ECONNRESET");
    assert.equal(networkErrorCode(new Error("socket hang up")), "ECONNRESET");
    assert.equal(networkErrorCode(new Error("boom")), undefined);
  });
});
