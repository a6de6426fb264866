/**
 * What `backflow demo` does; `demo.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { fileURLToPath } from "node:url";
import { compilePipelines } from "../../core/compiler/compile.ts";
import {
  destinationId,
  lastDestination,
  saveDestination,
} from "../../core/demo/demo-destination.ts";
import { demoWarehouse } from "../../core/demo/demo-warehouse.ts";
import { generateShop } from "../../core/demo/generate-shop.ts";
import { RejectionTally } from "../../core/demo/rejection-tally.ts";
import { addShopActivity } from "../../core/demo/shop-activity.ts";
import { BackflowError } from "../../core/errors.ts";
import { runDag } from "../../core/runner/run-dag.ts";
import { runTuningFromEnv } from "../../core/runner/run-tuning.ts";
import { StoreRecorder } from "../../core/runner/store-recorder.ts";
import { openStore } from "../../core/store/index.ts";
import { storeSyncState } from "../../core/sync/task-state.ts";
import { redactUrl } from "../../core/util/redact.ts";
import { demoSummaryText } from "../render/demo-summary.ts";
import { progressMode, startRunProgress } from "../render/run-progress.ts";
import { summaryText } from "../render/run-summary.ts";
import {
  mixpanelTarget,
  openDestination,
  type DemoDestination,
} from "./demo-target.ts";
import { publishPipelines } from "./publish-pipelines.ts";

export interface DemoOptions {
  toMixpanel?: boolean;
  fresh?: boolean;
  json?: boolean;
}

/** backflow's own pipelines folder, wherever the command runs. */
const PIPELINES = fileURLToPath(new URL("../../pipelines", import.meta.url));

async function loadShop() {
  const loaded = await compilePipelines(PIPELINES, {
    typeCheck: false,
    cacheDir: false,
  });
  const dag = loaded.dags.find((d) => d.id === "shop");
  if (dag) return { dag, loaded };
  const problem = loaded.errors.find((e) => e.file.startsWith("shop."));
  throw new BackflowError(
    "DAG_NOT_FOUND",
    `the demo DAG "shop" did not load from ${PIPELINES}` +
      (problem ? `: ${problem.message}` : ""),
  );
}

export async function demo(options: DemoOptions): Promise<void> {
  const say = (line: string) => {
    if (!options.json) process.stderr.write(line + "\n");
  };
  const { dag, loaded } = await loadShop();

  // Credentials are checked before anything is built or started.
  const target = options.toMixpanel
    ? mixpanelTarget(dag, { variables: process.env })
    : null;

  const warehouse = await demoWarehouse();
  say(`warehouse: ${redactUrl(warehouse.url)} (schema shop)`);
  const shop = await generateShop(warehouse.url, {
    fresh: options.fresh ?? false,
  });
  const c = shop.counts;
  say(
    shop.generated
      ? `generated the shop in ${(shop.ms / 1000).toFixed(1)}s: ` +
          `${c.companies} companies, ${c.users} users, ${c.orders} ` +
          `orders, ${c.pageViews} page views`
      : "the shop is already there; `--fresh` rebuilds it",
  );

  await publishPipelines(loaded);
  const store = await openStore();
  let opened: DemoDestination | undefined;
  try {
    const destination = destinationId(target ?? "emulator");
    const before = await lastDestination(warehouse.url);
    // A store that never synced the shop (a new BACKFLOW_DATABASE_URL)
    // has nothing to be incremental from.
    const synced =
      (await store.sync.checkpoint(dag.id, "orders")) !== undefined;
    const reset = shop.generated || before !== destination || !synced;
    if (!shop.generated && reset) {
      say(
        before === destination
          ? "no earlier sync of the shop in this store: sending all of it"
          : "a new destination: sending the whole shop",
      );
    }
    const activity = reset ? undefined : await addShopActivity(warehouse.url);
    if (activity) {
      say(
        `since the last demo the shop took ${activity.orders} orders ` +
          `and ${activity.pageViews} page views, and ${activity.users} ` +
          `users changed their newsletter choice`,
      );
    }

    opened = await openDestination(target, warehouse.url);
    say(opened.description);
    const emulator = opened.emulator;

    const progress = startRunProgress(progressMode(options.json));
    const tally = new RejectionTally(new StoreRecorder(store));
    const controller = new AbortController();
    const abort = () => controller.abort();
    process.once("SIGINT", abort);
    const tuning = runTuningFromEnv();
    const summary = await runDag(dag, {
      env: opened.env,
      recorder: tally,
      syncState: storeSyncState(store.sync),
      fullRefresh: reset,
      clientOptions: tuning.clientOptions,
      ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
      signal: controller.signal,
      listener: progress.listener,
    }).finally(() => {
      process.off("SIGINT", abort);
      progress.stop();
    });
    await saveDestination(warehouse.url, destination);

    const report = {
      summary,
      ...(emulator ? { emulator: emulator.state.stats() } : {}),
      rejections: tally.groups(),
      ...(activity ? { activity } : {}),
      warehouse: redactUrl(warehouse.url),
    };
    if (options.json) {
      const out = { ...report, generated: shop.generated, shop: c };
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    } else {
      process.stdout.write(
        `\n${summaryText(summary)}\n\n${demoSummaryText(report)}\n`,
      );
    }
    if (summary.state !== "success") process.exitCode = 1;
  } finally {
    await opened?.emulator?.close();
    await store.close();
  }
}
