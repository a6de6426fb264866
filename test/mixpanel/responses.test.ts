import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  parseImportReply,
  parseProfileReply,
} from "../../core/mixpanel/responses.ts";

describe("parseImportReply", () => {
  it("reads a 200 as all imported", () => {
    const body = '{"code":200,"num_records_imported":3,"status":"OK"}';
    assert.deepEqual(parseImportReply(200, body), {
      imported: 3,
      failed: [],
      batchReasons: [],
    });
  });

  it("reads object and bare-string failed_records of a strict 400", () => {
    const body = JSON.stringify({
      code: 400,
      status: "Bad Request",
      failed_records: [
        {
          index: 4,
          $insert_id: "a:b",
          field: "$insert_id",
          message: "'$insert_id' is invalid",
        },
        "identity events are not allowed",
        { field: "x" },
      ],
    });
    assert.deepEqual(parseImportReply(400, body), {
      imported: 0,
      failed: [
        { index: 4, field: "$insert_id", message: "'$insert_id' is invalid" },
      ],
      batchReasons: ["identity events are not allowed", '{"field":"x"}'],
    });
  });

  it("returns undefined for a 400 without failed_records", () => {
    assert.equal(parseImportReply(400, '{"error":"bad json"}'), undefined);
    assert.equal(parseImportReply(400, "<html>oops</html>"), undefined);
  });
});

describe("parseProfileReply", () => {
  it("treats 1 and status 1 as success", () => {
    assert.deepEqual(parseProfileReply("1"), { ok: true });
    assert.deepEqual(parseProfileReply('{"status":1,"error":null}'), {
      ok: true,
    });
  });

  it("treats 0 and status 0 as failure with the server's reason", () => {
    assert.equal(parseProfileReply("0").ok, false);
    assert.deepEqual(
      parseProfileReply('{"status":0,"error":"$distinct_id, missing"}'),
      { ok: false, error: "$distinct_id, missing" },
    );
    assert.deepEqual(parseProfileReply("<html>"), {
      ok: false,
      error: "unexpected reply: <html>",
    });
  });
});
