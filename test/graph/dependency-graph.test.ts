import assert from "node:assert/strict";
import { test } from "node:test";

import {
  dependencyLevels,
  findCycle,
  topologicalOrder,
} from "../../core/graph/dependency-graph.ts";
import { CycleError, UnknownTaskError } from "../../core/graph/graph-errors.ts";

const graph = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries));

test("every task comes after its dependencies, ties in declaration order", () => {
  const order = topologicalOrder(
    graph({ orders: ["users", "accounts"], users: [], accounts: [], x: [] }),
  );
  assert.deepEqual(order, ["users", "accounts", "x", "orders"]);
});

test("levels group the tasks that may run at the same time", () => {
  const levels = dependencyLevels(
    graph({ a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: [] }),
  );
  assert.deepEqual(levels, [["a", "e"], ["b", "c"], ["d"]]);
});

test("a two-task cycle is named in running order", () => {
  assert.deepEqual(findCycle(graph({ a: ["b"], b: ["a"] })), ["a", "b", "a"]);
});

test("a longer cycle is named with arrows, in running order", () => {
  // b after a, c after b, a after c: a runs before b before c before a.
  const g = graph({ a: ["c"], b: ["a"], c: ["b"], d: [] });
  assert.throws(
    () => dependencyLevels(g, "shop"),
    (error: unknown) =>
      error instanceof CycleError &&
      error.code === "GRAPH_CYCLE" &&
      error.message.includes('DAG "shop"') &&
      error.message.includes("a → b → c → a"),
  );
});

test("a task that waits on itself is a cycle", () => {
  assert.deepEqual(findCycle(graph({ a: ["a"] })), ["a", "a"]);
});

test("an acyclic graph has no cycle, however it branches", () => {
  assert.equal(findCycle(graph({ a: [], b: ["a"], c: ["a", "b"] })), null);
});

test("a dependency outside the graph is an unknown task", () => {
  assert.throws(
    () => topologicalOrder(graph({ a: ["ghost"] }), "shop"),
    (error: unknown) =>
      error instanceof UnknownTaskError &&
      error.code === "GRAPH_UNKNOWN_TASK" &&
      /task "a" runs after "ghost"/.test(error.message),
  );
});
