/**
 * The DAG list's word on the distributed workers: how many are alive, what
 * they run, and which were lost (silent past their timeout). Nothing at all
 * when no worker ever registered (the local executor).
 */
import type { WorkerRecord } from "../../core/executor/worker-registry.ts";

export function workersLine(
  workers: readonly WorkerRecord[] | undefined,
): string | undefined {
  if (!workers || workers.length === 0) return undefined;
  const alive = workers.filter((w) => w.alive);
  const lost = workers.filter((w) => w.state === "lost");
  const running = alive.reduce((n, w) => n + w.tasks.length, 0);
  const slots = alive.reduce((n, w) => n + w.concurrency, 0);
  const parts = [
    `workers: ${alive.length} alive` +
      (alive.length ? ` (${running}/${slots} tasks)` : ""),
  ];
  if (lost.length) {
    parts.push(
      `${lost.length} lost (${lost.map((w) => w.workerId).join(", ")})`,
    );
  }
  return parts.join(", ");
}
