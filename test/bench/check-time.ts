/**
 * Benchmark: how long `backflow check` takes on 50 generated pipeline
 * modules, cold (empty type-check cache), warm (unchanged tree: no type
 * check at all) and after editing one module (only it is checked again).
 * Each figure is the wall time of a real `backflow check` process,
 * Node.js start-up included.
 *
 *   node --import tsx test/bench/check-time.ts [--modules 50] [--runs 3]
 */
import { performance } from "node:perf_hooks";

import { runCli } from "../helpers/cli.ts";
import { createTempProject } from "../compiler/project.ts";

const args = process.argv.slice(2);
function flag(name: string, fallback: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}
const MODULES = flag("--modules", 50);
const RUNS = flag("--runs", 3);

/** A realistic module: row types, a connection pair, three tasks. */
function moduleText(n: number, variant = 0): string {
  return `import { dag, env, mixpanel, postgres } from "backflow";

interface UserRow {
  id: string;
  email: string | null;
  name: string;
  updated_at: Date;
}

interface OrderRow {
  order_id: string;
  user_id: string;
  created_at: Date;
  total: number;
  currency: string;
}

const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
const product = mixpanel("product", { token: env("MIXPANEL_TOKEN") });

export default dag("shop_${n}", { schedule: "*/${(n % 50) + 5} * * * *" }, (d) => {
  const users = d.userProfiles("users", {
    from: warehouse.query<UserRow>\`select * from users_${n}\`,
    to: product,
    userId: "id",
    properties: { $email: "email", $name: "name" },
    incremental: { cursor: "updated_at", lookbackMs: ${variant} },
  });
  const refresh = d.task("refresh", () => {});
  d.events("orders", {
    from: warehouse.query<OrderRow>\`
      select * from orders_${n}
      where created_at >= \${d.interval.start}
        and created_at < \${d.interval.end}\`,
    to: product,
    event: "Order Completed",
    insertId: "order_id",
    userId: "user_id",
    time: "created_at",
    properties: { total: "total", currency: (r) => r.currency.toUpperCase() },
  }).after(users, refresh);
});
`;
}

const project = await createTempProject();
try {
  for (let n = 0; n < MODULES; n++) {
    await project.write(`shop-${n}.ts`, moduleText(n));
  }

  async function check(label: string): Promise<number> {
    const started = performance.now();
    const run = await runCli(
      ["check", "--json", "--pipelines", project.pipelines],
      { cwd: project.root, timeoutMs: 600_000 },
    );
    const ms = performance.now() - started;
    if (run.code !== 0) {
      throw new Error(`${label}: check failed\n${run.stdout}${run.stderr}`);
    }
    const stats = JSON.parse(run.stdout).stats as {
      typeChecked: string[];
      ms: number;
    };
    console.log(
      `${label.padEnd(22)} ${(ms / 1000).toFixed(2).padStart(6)} s  ` +
        `(compile ${(stats.ms / 1000).toFixed(2)} s in process, ` +
        `${stats.typeChecked.length} module(s) type-checked)`,
    );
    return ms;
  }

  console.log(`backflow check, ${MODULES} pipeline modules, ${RUNS} runs each`);
  for (let run = 1; run <= RUNS; run++) {
    const { rm } = await import("node:fs/promises");
    await rm(`${project.root}/.backflow`, { recursive: true, force: true });
    await check(`cold #${run}`);
    await check(`warm #${run}`);
    await project.write("shop-0.ts", moduleText(0, run));
    await check(`one module edited #${run}`);
  }
} finally {
  await project.cleanup();
}
