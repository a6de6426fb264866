import assert from "node:assert/strict";
import { test } from "node:test";

import { DagDefinitionError } from "../../core/builder/dag-errors.ts";
import { serializeDag } from "../../core/builder/serialize-dag.ts";
import {
  CycleError,
  dag,
  DuplicateTaskError,
  env,
  mixpanel,
  postgres,
  sql,
  UnknownTaskError,
  type TaskHandle,
} from "../../core/index.ts";
import { deferredNames } from "../../core/source/sql.ts";

interface OrderRow {
  order_id: string;
  user_id: string;
  created_at: Date;
  total: string;
}

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", { token: env("MIXPANEL_TOKEN") });

const orders = (d: Parameters<Parameters<typeof dag>[2]>[0], id = "orders") =>
  d.events(id, {
    from: warehouse.query<OrderRow>`
      select * from orders
      where created_at >= ${d.interval.start} and created_at < ${d.interval.end}`,
    to: product,
    insertId: "order_id",
    userId: "user_id",
    time: "created_at",
    properties: { amount: "total" },
  });

test("a DAG lists its tasks after their dependencies, with levels", () => {
  const shop = dag("shop", { schedule: "*/15 * * * *" }, (d) => {
    const refresh = d.sql("refresh", {
      on: warehouse,
      statement: sql`refresh materialized view order_totals`,
    });
    orders(d).after(refresh);
    d.task("notify", () => {});
  });

  assert.deepEqual(
    shop.tasks.map((t) => [t.id, t.kind, t.dependsOn]),
    [
      ["refresh", "sql", []],
      ["notify", "task", []],
      ["orders", "events", ["refresh"]],
    ],
  );
  assert.deepEqual(shop.levels, [["refresh", "notify"], ["orders"]]);
  assert.equal(shop.schedule, "*/15 * * * *");
  assert.equal(shop.timezone, "UTC");
  assert.equal(shop.maxActiveRuns, 1);
  assert.deepEqual(
    shop.connections.map((c) => `${c.kind}:${c.name}`),
    ["postgres:warehouse", "mixpanel:product"],
  );
  assert.ok(Object.isFrozen(shop) && Object.isFrozen(shop.tasks[0]));
});

test(".after records edges even when its result is thrown away", () => {
  let first: TaskHandle | undefined;
  let second: TaskHandle | undefined;
  const shop = dag("shop", {}, (d) => {
    const a = d.task("a", () => {});
    const b = d.task("b", () => {});
    first = d.task("c", () => {});
    second = first.after(a);
    first.after(b);
  });

  assert.deepEqual(shop.task("c")?.dependsOn, ["a", "b"]);
  assert.deepEqual(first?.dependsOn, [], "the original handle is unchanged");
  assert.deepEqual(second?.dependsOn, ["a"]);
  assert.notEqual(first, second);
  assert.ok(Object.isFrozen(second));
});

test("a sync task's query carries the run's interval as deferred params", () => {
  const shop = dag("shop", {}, (d) => void orders(d));
  const task = shop.task("orders");
  assert.equal(task?.kind, "events");
  if (task?.kind !== "events") return;
  assert.deepEqual(deferredNames(task.from.query), [
    "interval.start",
    "interval.end",
  ]);
  assert.equal(task.from.connection, warehouse);
  assert.equal(task.to, product);
  assert.deepEqual(task.rejectThreshold, { maxShare: 0.1 });
});

test("two tasks with one id fail with both declarations named", () => {
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        orders(d, "orders");
        d.task("orders", () => {});
      }),
    (error: unknown) =>
      error instanceof DuplicateTaskError &&
      error.code === "DAG_DUPLICATE_TASK" &&
      error.message.includes('d.events("orders", …)') &&
      error.message.includes('d.task("orders", …)'),
  );
});

test("a dependency cycle is named task by task", () => {
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        const a = d.task("a", () => {});
        const b = d.task("b", () => {}).after(a);
        a.after(b);
      }),
    (error: unknown) =>
      error instanceof CycleError && /a → b → a/.test(error.message),
  );
});

test("a task of another DAG is not a known dependency", () => {
  let foreign: TaskHandle | undefined;
  dag("other", {}, (d) => void (foreign = d.task("x", () => {})));
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        d.task("a", () => {}).after(foreign!);
      }),
    (error: unknown) =>
      error instanceof UnknownTaskError && /"other\.x"/.test(error.message),
  );
});

test(".after outside the build function is refused", () => {
  let handle: TaskHandle | undefined;
  dag("shop", {}, (d) => void (handle = d.task("a", () => {})));
  assert.throws(() => handle!.after(handle!), /inside the build function/);
});

test("an explicitly mapped reserved property fails the build", () => {
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        d.events("orders", {
          from: warehouse.query<OrderRow>`select * from orders`,
          to: product,
          insertId: "order_id",
          userId: "user_id",
          time: "created_at",
          properties: { distinct_id: "user_id" },
        });
      }),
    (error: unknown) =>
      error instanceof DagDefinitionError &&
      error.code === "DAG_INVALID" &&
      error.message.includes('task "orders"') &&
      error.message.includes('"distinct_id" is set by backflow'),
  );
});

test("a bad schedule, zone or id says what is accepted", () => {
  const build = () => {};
  assert.throws(() => dag("shop", { schedule: "61 * * * *" }, build), /cron/);
  assert.throws(() => dag("shop", { timezone: "Mars/Olympus" }, build), /zone/);
  assert.throws(() => dag("shop:x", {}, build), /DAG id "shop:x" is invalid/);
  assert.throws(() => dag("shop", {}, build), /has no tasks/);
});

test("two different connections sharing a name are refused", () => {
  const twin = postgres("warehouse", { url: "postgres://x@localhost/db" });
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        d.sql("a", { on: warehouse, statement: sql`select 1` });
        d.sql("b", { on: twin, statement: sql`select 1` });
      }),
    /two different postgres connections are named "warehouse"/,
  );
});

test("a plain object is not a connection", () => {
  assert.throws(
    () =>
      dag("shop", {}, (d) => {
        d.events("orders", {
          from: warehouse.query<OrderRow>`select * from orders`,
          to: { kind: "mixpanel", name: "fake" } as never,
          insertId: "order_id",
          userId: "user_id",
          time: "created_at",
        });
      }),
    /to must be a Mixpanel connection/,
  );
});

test("an async build function is refused", () => {
  assert.throws(
    () => dag("shop", {}, (async () => {}) as never),
    /synchronously/,
  );
});

test("a DAG serialises to JSON without functions or secrets", () => {
  const shop = dag("shop", { schedule: "@daily", tags: ["demo"] }, (d) => {
    const users = d.task("prepare", () => {});
    orders(d).after(users);
  });
  const json = JSON.parse(JSON.stringify(serializeDag(shop)));
  assert.equal(json.schedule, "@daily");
  assert.deepEqual(json.levels, [["prepare"], ["orders"]]);
  const task = json.tasks[1];
  assert.equal(task.warehouse, "warehouse");
  assert.equal(task.mixpanel, "product");
  assert.deepEqual(task.deferred, ["interval.start", "interval.end"]);
  assert.deepEqual(task.mapping.properties, { amount: "total" });
  assert.match(task.sql, /created_at >= \$1/);
});
