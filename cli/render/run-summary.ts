/**
 * Text for a run: one line per task as it starts and ends, and the closing
 * summary table.
 */
import type {
  RunEvent,
  RunSummary,
  TaskSummary,
} from "../../core/runner/run-events.ts";

const SYMBOL: Record<TaskSummary["state"], string> = {
  pending: "·",
  running: "…",
  success: "✓",
  failed: "✗",
  upstream_failed: "↑",
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** A plain line for an event worth a line; none for progress ticks. */
export function eventLine(event: RunEvent): string | undefined {
  switch (event.type) {
    case "run-started":
      return `run ${event.runId} of ${event.dagId}: ${event.taskIds.length} task(s)`;
    case "task-started":
      return `  ${event.taskId} (${event.kind}) started`;
    case "task-finished": {
      const s = event.summary;
      const counts =
        s.kind === "sql" || s.kind === "task"
          ? ""
          : ` read ${count(s.rowsRead)}, sent ${count(s.recordsSent)}, ` +
            `rejected ${count(s.rejected)}`;
      const error = s.error ? ` — ${s.error}` : "";
      return `  ${SYMBOL[s.state]} ${s.taskId} ${s.state} in ${seconds(s.durationMs)}${counts ? "," + counts : ""}${error}`;
    }
    default:
      return undefined;
  }
}

/** The closing table of a run. */
export function summaryText(summary: RunSummary): string {
  const header = ["task", "state", "rows read", "sent", "rejected", "time"];
  const rows = summary.tasks.map((t) => [
    t.taskId,
    `${SYMBOL[t.state]} ${t.state}`,
    count(t.rowsRead),
    count(t.recordsSent),
    count(t.rejected),
    seconds(t.durationMs),
  ]);
  const totals = summary.totals;
  rows.push([
    "total",
    summary.state,
    count(totals.rowsRead),
    count(totals.recordsSent),
    count(totals.rejected),
    seconds(summary.durationMs),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [
    `${summary.dryRun ? "dry run" : "run"} ${summary.runId} of ${summary.dagId}: ${summary.state}`,
    line(header),
    ...rows.map(line),
  ];
  const failed = summary.tasks.filter((t) => t.error);
  for (const t of failed) out.push(`${t.taskId}: ${t.error}`);
  if (summary.dryRun && summary.tasks[0]?.dryRunDir) {
    out.push(`request bodies written to ${summary.tasks[0].dryRunDir}`);
  }
  return out.join("\n");
}
