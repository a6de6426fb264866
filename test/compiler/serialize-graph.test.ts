/**
 * The serialized form of a DAG (what the store keeps) and the drawings
 * `backflow graph` makes from it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { serializeDag } from "../../core/compiler/serialize-dag.ts";
import { renderGraph } from "../../core/graph/render-graph.ts";
import { dag, env, mixpanel, postgres, sql } from "../../core/index.ts";
import { projectRoot, runCli } from "../helpers/cli.ts";

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", { token: env("MIXPANEL_TOKEN") });

type Order = { id: string; user_id: string; at: Date; total: number };
type User = { id: string; email: string; first: string };

const shop = dag("shop", { schedule: "*/15 * * * *" }, (d) => {
  const refresh = d.sql("refresh", {
    on: warehouse,
    statement: sql`refresh materialized view order_totals`,
  });
  const users = d.userProfiles("users", {
    from: warehouse.query<User>`select * from users`,
    to: product,
    userId: "id",
    properties: { $email: "email", $name: (r) => r.first },
  });
  d.events("orders", {
    from: warehouse.query<Order>`select * from orders
      where at >= ${d.interval.start} and total > ${10}`,
    to: product,
    event: "Order Completed",
    insertId: "id",
    userId: "user_id",
    time: "at",
    properties: { total: "total" },
  }).after(users, refresh);
});

describe("serializeDag", () => {
  const s = serializeDag(shop, "shop.ts", "abc123");

  test("keeps the schedule, source hash, edges and levels", () => {
    assert.equal(s.schedule, "*/15 * * * *");
    assert.equal(s.timezone, "UTC");
    assert.equal(s.sourceHash, "abc123");
    assert.deepEqual(s.edges, [
      { from: "users", to: "orders" },
      { from: "refresh", to: "orders" },
    ]);
    assert.deepEqual(s.levels, [["refresh", "users"], ["orders"]]);
  });

  test("flags sql tasks as writes and keeps each task's query text", () => {
    const refresh = s.tasks.find((t) => t.id === "refresh")!;
    assert.equal(refresh.writes, true);
    assert.equal(refresh.query?.text, "refresh materialized view order_totals");
    const orders = s.tasks.find((t) => t.id === "orders")!;
    assert.equal(orders.writes, false);
    assert.match(orders.query!.text, /at >= \$1 and total > \$2/);
    assert.deepEqual(orders.query!.parameters, [
      { deferred: "interval.start" },
      { bound: "number" },
    ]);
  });

  test("summarises mappings without functions or bound values", () => {
    const users = s.tasks.find((t) => t.id === "users")!;
    assert.deepEqual(users.mapping, {
      userId: { column: "id" },
      properties: { $email: { column: "email" }, $name: { function: true } },
    });
    const orders = s.tasks.find((t) => t.id === "orders")!;
    assert.deepEqual(orders.mapping?.event, { constant: "Order Completed" });
    const json = JSON.stringify(s);
    assert.doesNotMatch(json, /=>/);
    assert.equal(JSON.stringify(JSON.parse(json)), json);
  });
});

describe("renderGraph", () => {
  const s = serializeDag(shop, "shop.ts", "abc123");

  test("text lists tasks level by level with their dependencies", () => {
    assert.equal(
      renderGraph(s, "text"),
      [
        "shop  */15 * * * * (UTC)",
        "  level 0",
        "    refresh  sql, from warehouse, writes",
        "    users    userProfiles, from warehouse, to product",
        "  level 1",
        "    orders   events, from warehouse, to product  ← users, refresh",
      ].join("\n"),
    );
  });

  test("mermaid draws one node per task and one arrow per edge", () => {
    const text = renderGraph(s, "mermaid");
    assert.equal(text.split("\n")[0], "flowchart LR");
    assert.match(text, /t0\[\("refresh<br\/>sql, from warehouse, writes"\)\]/);
    assert.match(text, /t1 --> t2/);
    assert.match(text, /t0 --> t2/);
  });

  test("dot is a digraph with quoted ids", () => {
    const text = renderGraph(s, "dot");
    assert.match(text, /^digraph "shop" \{/);
    assert.match(text, /"users" -> "orders";/);
    assert.match(
      text,
      /"refresh" \[label="refresh\\nsql, from warehouse, writes", shape=cylinder\];/,
    );
  });
});

test("backflow graph prints a DAG of a pipelines folder as Mermaid", async () => {
  const run = await runCli(
    [
      "graph",
      "hello",
      "--format",
      "mermaid",
      "--pipelines",
      `${projectRoot}test/fixtures/compiler/mixed`,
    ],
    { cwd: projectRoot },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    [
      "flowchart LR",
      '  t0{{"greet<br/>task"}}',
      '  t1{{"wave<br/>task"}}',
      "  t0 --> t1",
      "",
    ].join("\n"),
  );
});

test("backflow graph refuses an unknown format with exit code 2", async () => {
  const run = await runCli(["graph", "hello", "--format", "png"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--format must be one of text, mermaid, dot/);
});
