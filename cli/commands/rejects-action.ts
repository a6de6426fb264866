/**
 * What `backflow rejects` does; `rejects.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { UsageError } from "../../core/errors.ts";
import { openStore } from "../../core/store/index.ts";
import type { OpenRejectionRow } from "../../core/store/open-rejection-repository.ts";

export interface RejectsOptions {
  json?: boolean;
  all?: boolean;
  limit: string;
}

function limitOf(raw: string): number {
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit must be a whole number above 0`);
  }
  return limit;
}

function block(r: OpenRejectionRow): string {
  const when = r.recordedAt.toISOString().replace("T", " ").slice(0, 19);
  const state = r.clearedAt ? `  [cleared: ${r.clearReason}]` : "";
  const lines = [
    `${r.taskId}  row ${r.rowKey ?? "(no key)"}  field ` +
      `${r.field || "(none)"}  (run ${r.runId}, ${when} UTC, ` +
      `${r.source})${state}`,
    `  ${r.reason}`,
  ];
  if (r.excerpt !== null && r.excerpt !== undefined) {
    lines.push(`  excerpt: ${JSON.stringify(r.excerpt)}`);
  }
  return lines.join("\n");
}

export async function rejects(
  dagId: string,
  taskId: string | undefined,
  o: RejectsOptions,
): Promise<void> {
  const limit = limitOf(o.limit);
  const store = await openStore();
  try {
    const rows = await store.sync.rejections.list(dagId, {
      ...(taskId ? { taskId } : {}),
      ...(o.all ? { all: true } : {}),
      limit,
    });
    const open = await store.sync.rejections.countOpen(dagId);
    const total = taskId
      ? (open[taskId] ?? 0)
      : Object.values(open).reduce((a, b) => a + b, 0);
    if (o.json) {
      const out = { dag: dagId, task: taskId ?? null, open: total, rows };
      process.stdout.write(JSON.stringify(out, null, 2) + "\n");
      return;
    }
    const scope = taskId ? `${dagId}/${taskId}` : dagId;
    const head =
      total === 0
        ? `${scope}: no open rejected rows`
        : `${scope}: ${total} open rejected row${total === 1 ? "" : "s"}` +
          (rows.length < total ? ` (showing ${rows.length})` : "");
    const body = rows.map(block).join("\n\n");
    process.stdout.write(head + (body ? `\n\n${body}` : "") + "\n");
  } finally {
    await store.close();
  }
}
