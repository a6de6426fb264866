import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { BackflowError, ConfigError } from "../../core/errors.ts";
import { PostgresSource } from "../../core/source/postgres-source.ts";
import { SourceError } from "../../core/source/source-error.ts";
import { DeferredParam, sql, type SqlQuery } from "../../core/source/sql.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let source: PostgresSource;

async function collect<Row>(
  query: SqlQuery<Row>,
  from: PostgresSource = source,
): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const rows of from.stream(query, { batchSize: 5 })) {
    batches.push(rows);
  }
  return batches;
}

async function countItems(): Promise<number> {
  const batches = await collect(sql`select count(*)::int as n from items`);
  return Number(batches[0]?.[0]?.n);
}

function isSourceError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof SourceError, String(error));
    assert.equal(error.code, "SOURCE_QUERY");
    assert.match(error.message, pattern);
    return true;
  };
}

before(async () => {
  db = await createTestDatabase("bf_source");
  source = new PostgresSource({ name: "warehouse", url: db.url });
  await source.execute(sql`
    create table items (id int primary key, name text);
    insert into items select g, 'item ' || g from generate_series(1, 12) g;
    create sequence ticket;
  `);
});

after(async () => {
  await source.close();
  await db.drop();
});

describe("stream", () => {
  test("yields rows in batches of batchSize", async () => {
    const batches = await collect(sql`select id from items order by id`);
    assert.deepEqual(
      batches.map((b) => b.length),
      [5, 5, 2],
    );
    assert.deepEqual(batches[2], [{ id: 11 }, { id: 12 }]);
  });

  test("an empty result yields no batch", async () => {
    assert.deepEqual(await collect(sql`select * from items where false`), []);
  });

  test("runs read-only: a write through a stream fails", async () => {
    await assert.rejects(
      collect(sql`select nextval('ticket')`),
      isSourceError(/read-only transaction/),
    );
    await assert.rejects(
      collect(sql`select 1; insert into items values (99, 'x')`),
      isSourceError(/syntax error|multiple commands/),
    );
    assert.equal(await countItems(), 12);
  });

  test("an interpolated value can not change the statement", async () => {
    const hostile = "1'; drop table items; --";
    const batches = await collect(
      sql`select id from items where name = ${hostile} or id::text = ${hostile}`,
    );
    assert.deepEqual(batches, []);
    assert.equal(await countItems(), 12);
  });

  test("a statement past the timeout fails with a clear error", async () => {
    const quick = new PostgresSource({
      name: "slow_wh",
      url: db.url,
      statementTimeoutMs: 100,
    });
    try {
      await assert.rejects(collect(sql`select pg_sleep(1)`, quick), (e) => {
        assert.ok(e instanceof SourceError);
        assert.equal(e.sqlState, "57014");
        assert.match(e.message, /statement timeout/);
        assert.match(e.message, /"slow_wh" \(100 ms\)/);
        return true;
      });
    } finally {
      await quick.close();
    }
  });

  test("aborting cancels the statement in flight", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const reading = (async () => {
      for await (const rows of source.stream(sql`select pg_sleep(10)`, {
        signal: controller.signal,
      })) {
        void rows;
      }
    })();
    await assert.rejects(reading, (e: BackflowError) => e.code === "ABORTED");
    assert.ok(Date.now() - started < 5000, "the query kept running");
  });

  test("aborting between batches stops the stream", async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const rows of source.stream(sql`select id from items`, {
        batchSize: 5,
        signal: controller.signal,
      })) {
        seen.push(rows.length);
        controller.abort();
      }
    })();
    await assert.rejects(reading, (e: BackflowError) => e.code === "ABORTED");
    assert.deepEqual(seen, [5]);
  });

  test("breaking out early rolls back and frees the connection", async () => {
    const single = new PostgresSource({
      name: "single",
      url: db.url,
      poolSize: 1,
    });
    try {
      for await (const rows of single.stream(sql`select id from items`, {
        batchSize: 2,
      })) {
        assert.equal(rows.length, 2);
        break;
      }
      await single.ping();
    } finally {
      await single.close();
    }
  });

  test("two columns of one name are refused, not collapsed", async () => {
    await assert.rejects(
      collect(sql`select 1 as id, 2 as id`),
      isSourceError(/two columns named "id".*AS/),
    );
  });

  test("a parameter left unbound is named in the error", async () => {
    const query = sql`select * from items where id > ${new DeferredParam(
      "interval.start",
    )}`;
    await assert.rejects(collect(query), isSourceError(/interval\.start/));
  });

  test("a syntax error names the connection and points at the text", async () => {
    await assert.rejects(
      collect(sql`select * from items\nwhere id = = ${1}`),
      isSourceError(
        /connection "warehouse": syntax error.*42601[\s\S]*line 2, column 12[\s\S]*where id = = \$1\n {13}\^/,
      ),
    );
  });
});

describe("describe", () => {
  test("gives names and types without reading a row", async () => {
    // Reading any row would divide by zero.
    const columns = await source.describe(
      sql`select id, name, 1 / (id - id) as boom, 2.5::numeric(8,2) as price,
                 array[now()] as stamps
            from items where id > ${new DeferredParam("interval.start")}`,
    );
    assert.deepEqual(
      columns.map((c) => [c.name, c.typeName, c.tsType, c.notNull]),
      [
        ["id", "integer", "number", true],
        ["name", "text", "string", false],
        ["boom", "integer", "number", false],
        ["price", "numeric(8,2)", "number | string", false],
        [
          "stamps",
          "timestamp with time zone[]",
          "Array<(Date | string) | null>",
          false,
        ],
      ],
    );
  });

  test("lists the labels of an enum", async () => {
    await source.execute(sql`create type tier as enum ('free', 'pro')`);
    const [column] = await source.describe(sql`select 'pro'::tier as t`);
    assert.deepEqual(column?.enumValues, ["free", "pro"]);
  });
});

describe("execute", () => {
  test("runs a write in its own transaction and counts rows", async () => {
    const count = await source.execute(
      sql`update items set name = upper(name) where id <= ${3}`,
    );
    assert.equal(count, 3);
  });

  test("a failing write leaves nothing behind", async () => {
    await assert.rejects(
      source.execute(sql`
        insert into items values (100, 'a');
        insert into items values (100, 'b');
      `),
      isSourceError(/duplicate key/),
    );
    assert.equal(await countItems(), 12);
  });
});

describe("connections and secrets", () => {
  test("ping answers on a live server", async () => {
    await source.ping();
  });

  test("a refused connection is retryable and hides the password", async () => {
    const url = "postgres://someone:Sup3rSecretPw@127.0.0.1:1/nowhere";
    const down = new PostgresSource({ name: "down", url });
    try {
      await assert.rejects(down.ping(), (e) => {
        assert.ok(e instanceof SourceError);
        assert.equal(e.retryable, true);
        assert.match(e.message, /connection "down"/);
        assert.doesNotMatch(e.message, /Sup3rSecretPw/);
        return true;
      });
    } finally {
      await down.close();
    }
  });

  test("a malformed config is a ConfigError without the password", () => {
    assert.throws(
      () => new PostgresSource({ name: "x", url: "mysql://u:Pw0rdPw0rd@h/db" }),
      (e) => e instanceof ConfigError && !e.message.includes("Pw0rdPw0rd"),
    );
    assert.throws(
      () => new PostgresSource({ name: "x", url: db.url, timezone: "Mars/X" }),
      (e) => e instanceof ConfigError && /Mars\/X/.test(e.message),
    );
    assert.throws(
      () =>
        new PostgresSource({ name: "x", url: db.url, statementTimeoutMs: 0 }),
      ConfigError,
    );
  });
});
