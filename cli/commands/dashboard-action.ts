/**
 * What `backflow dashboard` does; `dashboard.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { storeSource } from "../../core/dashboard/index.ts";
import { UsageError } from "../../core/errors.ts";
import { openStore, type StoreLocation } from "../../core/store/index.ts";
import { pipelinesDir } from "./pipelines-option.ts";

export interface DashboardOptions {
  pipelines?: string;
  dag?: string;
  refresh: string;
}

function where(location: StoreLocation): string {
  return location.kind === "embedded"
    ? `embedded store on port ${location.port}`
    : `store ${location.url}`;
}

function refreshMs(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50 || ms > 60_000) {
    throw new UsageError(
      `--refresh "${value}" is not a whole number of ms between 50 and 60000`,
    );
  }
  return ms;
}

export async function dashboard(options: DashboardOptions): Promise<void> {
  const interval = refreshMs(options.refresh);
  const store = await openStore();
  try {
    const source = storeSource(store.pool, {
      ...(options.pipelines
        ? { pipelinesDir: pipelinesDir(options.pipelines) }
        : {}),
    });
    // Ink takes a second or more to import: only this command pays.
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      const { plainStatus } = await import("../dashboard/plain-status.tsx");
      process.stdout.write(plainStatus(await source.overview()) + "\n");
      return;
    }
    const { showDashboard } = await import("../dashboard/show-dashboard.ts");
    await showDashboard({
      source,
      title: where(store.location),
      refreshMs: interval,
      ...(options.dag ? { dagId: options.dag } : {}),
    });
  } finally {
    await store.close();
  }
}
