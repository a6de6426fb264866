/**
 * Rows mapped per second by a compiled event and user-profile mapper, on
 * realistic order and user rows. Run: node --import tsx
 * test/bench/mapping-throughput.ts [rows]
 */
import { compileMapper } from "../../core/mapping/compile-mapper.ts";
import { eventsTask, usersTask } from "../helpers/sync-tasks.ts";

const rows = Number(process.argv[2] ?? 200_000);
const base = Date.parse("2024-05-01T00:00:00Z");

const orders = Array.from({ length: rows }, (_, i) => ({
  order_id: 1_000_000 + i,
  user_id: `u_${i % 5000}`,
  created_at: new Date(base + i * 1000),
  total: 19.5 + (i % 100),
  currency: i % 2 ? "EUR" : "USD",
  company_id: i % 300,
  coupon: i % 7 ? null : "SPRING",
  items: [{ sku: "A-1", qty: 2 }],
}));

function measure(label: string, run: () => number) {
  const started = process.hrtime.bigint();
  const ok = run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = Math.round(rows / seconds).toLocaleString("en-US");
  console.log(`${label}: ${rate} rows/s (${ok} ok of ${rows})`);
}

const events = compileMapper(
  eventsTask({
    event: "Order Completed",
    insertId: "order_id",
    userId: "user_id",
    time: "created_at",
    properties: { amount: "total", currency: "currency", coupon: "coupon" },
    includeRest: true,
  }),
);
const users = compileMapper(
  usersTask({
    userId: "user_id",
    properties: { company_id: "company_id", currency: "currency" },
  }),
  { token: "tok" },
);

for (let round = 0; round < 2; round++) {
  measure("events (insert id hash + validation)", () => {
    let ok = 0;
    for (const row of orders) if (events(row).ok) ok++;
    return ok;
  });
  measure("user profiles", () => {
    let ok = 0;
    for (const row of orders) if (users(row).ok) ok++;
    return ok;
  });
}
