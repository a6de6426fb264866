/**
 * The closing text of `backflow demo`: what reached Mixpanel, what was
 * rejected and why, and what to try next.
 */
import type { RejectionGroup } from "../../core/demo/rejection-tally.ts";
import type { ShopActivity } from "../../core/demo/shop-activity.ts";
import type { EmulatorStats } from "../../core/emulator/index.ts";
import type { RunSummary, TaskSummary } from "../../core/runner/run-events.ts";

export interface DemoReport {
  readonly summary: RunSummary;
  /** The emulator's counts; absent when a real project received the run. */
  readonly emulator?: EmulatorStats;
  readonly rejections: readonly RejectionGroup[];
  /**
   * What was added to a shop that was there before, its sync state kept;
   * absent when everything was sent.
   */
  readonly activity?: ShopActivity;
  /** Where the warehouse is, password masked. */
  readonly warehouse: string;
}

const UNIT: Record<TaskSummary["kind"], string> = {
  events: "events",
  userProfiles: "user profile updates",
  groupProfiles: "group profile updates",
  sql: "",
  task: "",
};

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) =>
    Math.max(...rows.map((r) => r[i]!.length)),
  );
  return rows.map((r) =>
    r
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

function reached(report: DemoReport): string[] {
  const sync = report.summary.tasks.filter((t) => UNIT[t.kind] !== "");
  const sent = table(
    sync.map((t) => [`  ${t.taskId}`, count(t.recordsSent), UNIT[t.kind]]),
  );
  const stats = report.emulator;
  if (!stats) {
    return ["What was sent to your Mixpanel project", ...sent];
  }
  return [
    "What reached Mixpanel (the local emulator, started empty for this demo)",
    ...sent,
    `  The emulator now holds ${count(stats.events)} events, ` +
      `${count(stats.profiles)} user profiles and ${count(stats.groups)} ` +
      `company group profiles; it dropped ${count(stats.duplicates)} ` +
      `duplicate events and refused ${count(stats.rejected)} records.`,
  ];
}

function rejected(groups: readonly RejectionGroup[]): string[] {
  if (groups.length === 0) return ["Nothing was rejected."];
  const total = groups.reduce((n, g) => n + g.count, 0);
  const lines = [
    `What was rejected, and why (${count(total)} rows; they are retried on ` +
      `every run until fixed)`,
  ];
  for (const g of groups) {
    const example = g.exampleKey === null ? "" : `, e.g. row ${g.exampleKey}`;
    lines.push(`  ${count(g.count)} × ${g.taskId}.${g.field}${example}`);
    lines.push(`      ${g.reason}`);
  }
  return lines;
}

const NEXT = [
  "What to try next",
  "  npx backflow demo                  run again: incremental sync sends " +
    "only what changed",
  "  npx backflow rejects shop          every rejected row with its reason",
  "  npx backflow dashboard             runs, tasks and rejections, live",
  "  npx backflow demo --to-mixpanel    the same into your own Mixpanel " +
    "project (README: Demo)",
  "  npx backflow init ../my-pipelines  start a project of your own: your " +
    "warehouse, your project",
];

export function demoSummaryText(report: DemoReport): string {
  const lines: string[] = [];
  const a = report.activity;
  if (a) {
    lines.push(
      `Incremental sync: the shop was already synced, so each task read ` +
        `only rows past its checkpoint (and the rejected rows again) and ` +
        `sent only what changed since the last demo: ${a.orders} orders, ` +
        `${a.pageViews} page views, ${a.users} users. ` +
        "`npx backflow demo --fresh` rebuilds the shop and sends everything.",
      "",
    );
  }
  lines.push(...reached(report), "", ...rejected(report.rejections), "");
  lines.push(`The warehouse: ${report.warehouse} (schema shop)`, "");
  lines.push(...NEXT);
  return lines.join("\n");
}
