/**
 * Writes failing with ENOSPC (see disk-cases.ts): a dry run into a full
 * filesystem fails, names the file and the cause, and completes once
 * there is room again.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { enospcCase, enospcSkipReason } from "./disk-cases.ts";
import { isClean } from "./fault-check.ts";
import { fillWarehouse, sourceState } from "./fault-warehouse.ts";

const skip = (await enospcSkipReason()) ?? false;

describe("writes failing with ENOSPC", { skip }, () => {
  let warehouse: TestDatabase;

  before(async () => {
    warehouse = await createTestDatabase("bf_enospc_wh");
    await fillWarehouse(warehouse.url);
  });
  after(async () => {
    await warehouse?.drop();
  });

  test("regression: a dry run into a full disk failed with a bare ENOSPC naming no file", async (t) => {
    const outcome = await enospcCase(
      warehouse.url,
      await sourceState(warehouse.url),
    );
    t.diagnostic(JSON.stringify(outcome));
    assert.ok(outcome.errors.length > 0, "a task met the full disk");
    for (const error of outcome.errors) {
      assert.equal(error.code, "FILE_WRITE");
      assert.match(error.message ?? "", /could not write \/\S+ \(ENOSPC/);
      assert.match(error.message ?? "", /disk is full/);
    }
    assert.ok(
      outcome.writtenBeforeFull > 0,
      "it wrote until the disk was full",
    );
    assert.deepEqual(outcome.result.dishonest, []);
    assert.ok(
      isClean(outcome.result.tally),
      "the rerun wrote every record once",
    );
  });
});
