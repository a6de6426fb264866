/**
 * Prints a benchmark's results: one table per scenario (medians with
 * min–max over the repetitions), then each issue-9 target with the
 * measured value and whether it is met.
 */
import type { RunResult } from "./runner.ts";
import { RATE_CAP, type ScenarioResult } from "./scenarios.ts";
import { showSpread, spread, table, type Spread } from "./stats.ts";

type Pick = (r: RunResult) => number | undefined;

const col = (runs: RunResult[], pick: Pick, digits = 0) =>
  showSpread(
    spread(runs.map(pick).filter((v): v is number => v !== undefined)),
    digits,
  );

const median = (runs: RunResult[], pick: Pick) =>
  spread(runs.map(pick).filter((v): v is number => v !== undefined))?.median;

/** Runs grouped by tool and row count, in first-seen order. */
function groups(runs: RunResult[]): Map<string, RunResult[]> {
  const out = new Map<string, RunResult[]>();
  for (const r of runs) {
    const key = `${r.scenario}|${r.tool}|${r.rows}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

export function scenarioTable(result: ScenarioResult): string {
  const header = [
    "scenario / tool",
    "rows",
    "rows/s",
    "CPU-s/1M tool",
    "CPU-s/1M PG",
    "CPU-s/1M emul.",
    "peak RSS MB",
    "wall s",
    "others' CPU-s",
    "ok",
    "load",
  ];
  const lines = [header];
  for (const runs of groups(result.runs).values()) {
    const first = runs[0]!;
    const failed = runs.filter((r) => !r.ok).length;
    const perM = (s: number | undefined, r: RunResult) =>
      s === undefined || r.rows === 0 ? undefined : (s * 1e6) / r.rows;
    lines.push([
      `${first.scenario} / ${first.tool}`,
      first.rows.toLocaleString("en-US"),
      first.rows === 0 ? "-" : col(runs, (r) => r.rowsPerS),
      first.rows === 0
        ? col(runs, (r) => r.cpuS, 2)
        : col(runs, (r) => r.cpuPerM, 2),
      col(runs, (r) => perM(r.pgCpuS, r), 2),
      col(runs, (r) => perM(r.emulatorCpuS, r), 2),
      col(runs, (r) => r.peakRssMb),
      col(runs, (r) => r.wallS, 2),
      col(runs, (r) => r.otherCpuS, 1),
      failed === 0
        ? `${runs.length}/${runs.length}`
        : `${runs.length - failed}/${runs.length} FAILED`,
      col(runs, (r) => r.loadAverage, 2),
    ]);
  }
  let text = table(lines);
  for (const r of result.runs.filter((r) => !r.ok)) {
    text += `\n  ! ${r.scenario} / ${r.tool} ${r.rows}: ${r.problem}`;
  }
  return text;
}

interface Target {
  name: string;
  value: string;
  met: boolean | undefined;
}

function byTool(runs: RunResult[], scenario: string, tool: string) {
  return runs.filter(
    (r) => r.scenario === scenario && r.tool.startsWith(tool) && r.ok,
  );
}

const fmt = (v: number | undefined, digits = 0) =>
  v === undefined
    ? "n/a"
    : v.toLocaleString("en-US", {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });

/** Every target of issue 9 against the measured medians. */
export function targets(results: ScenarioResult[], rows: number): Target[] {
  const all = results.flatMap((r) => r.runs);
  const out: Target[] = [];
  const events = byTool(all, "events", "backflow");
  const peer = byTool(all, "events", "mixpanel-import");
  const ceil = byTool(all, "events", "ceiling");
  const rate = median(events, (r) => r.rowsPerS);
  const cpu = median(events, (r) => r.cpuPerM);
  if (events.length) {
    out.push({
      name: `events: ≥ 150,000 rows/s end to end (${fmt(rows)} rows)`,
      value: `${fmt(rate)} rows/s`,
      met: rate !== undefined && rate >= 150_000,
    });
    out.push({
      name: "events: ≤ 6 CPU-s per 1M rows in backflow's process",
      value: `${fmt(cpu, 2)} CPU-s/1M`,
      met: cpu !== undefined && cpu <= 6,
    });
  }
  const scaled = all.filter(
    (r) =>
      (r.scenario === "scaling" || r.scenario === "events") &&
      r.tool === "backflow" &&
      r.ok,
  );
  if (scaled.length) {
    const sizes = [...new Set(scaled.map((r) => r.rows))].sort((a, b) => a - b);
    const rss = sizes.map((n) =>
      median(
        scaled.filter((r) => r.rows === n),
        (r) => r.peakRssMb,
      )!,
    );
    const low = Math.min(...rss);
    const high = Math.max(...rss);
    out.push({
      name: "events: peak RSS < 150 MB, flat within 20 % from 100k to 5M",
      value: sizes.map((n, i) => `${fmt(n)}: ${fmt(rss[i])} MB`).join(", "),
      met: high < 150 && high <= low * 1.2 && sizes.length >= 2,
    });
  }
  if (events.length && peer.length) {
    const peerRate = median(peer, (r) => r.rowsPerS)!;
    const peerCpu = median(peer, (r) => r.cpuPerM)!;
    out.push({
      name: "events: ≥ 3× mixpanel-import's rows/s at ≤ 1/3 of its CPU per row",
      value:
        `${fmt(rate! / peerRate, 2)}× the rows/s, ` +
        `${fmt(cpu! / peerCpu, 2)}× the CPU per row`,
      met: rate! / peerRate >= 3 && cpu! / peerCpu <= 1 / 3,
    });
  }
  if (events.length && ceil.length) {
    const ceilRate = median(ceil, (r) => r.rowsPerS)!;
    out.push({
      name: "events: share of the machine's ceiling (no target)",
      value: `${fmt((100 * rate!) / ceilRate)} % of ${fmt(ceilRate)} rows/s`,
      met: undefined,
    });
  }
  const limited = all.filter((r) => r.scenario === "rate-limited");
  if (limited.length) {
    const ok = limited.every((r) => r.ok);
    const active = median(limited, (r) => r.activeRowsPerS);
    const dup = Math.max(...limited.map((r) => r.spool?.duplicates ?? 0));
    out.push({
      name: `rate-limited at ${fmt(RATE_CAP)}/s: ≥ 95 % of the cap, nothing lost`,
      value:
        `${fmt((100 * (active ?? 0)) / RATE_CAP, 1)} % of the cap ` +
        `(${fmt(active)}/s while sending); ${ok ? "all delivered" : "LOST ROWS"}` +
        `; ${fmt(dup)} duplicate deliveries (removed by $insert_id)`,
      met: ok && active !== undefined && active >= 0.95 * RATE_CAP,
    });
  }
  const first = byTool(all, "profiles: first sync", "backflow users").filter(
    (r) => r.rows <= 200_000,
  );
  if (first.length) {
    const v = median(first, (r) => r.rowsPerS);
    out.push({
      name: "profiles: first sync of 200,000 users ≥ 50,000 profiles/s",
      value: `${fmt(v)} profiles/s`,
      met: v !== undefined && v >= 50_000,
    });
  }
  const resync = all.filter(
    (r) => r.scenario === "profiles: no-change re-sync",
  );
  if (resync.length) {
    const wall = median(resync, (r) => r.wallS);
    const rss = median(resync, (r) => r.peakRssMb);
    out.push({
      name: `profiles: no-change re-sync of ${fmt(resync[0]!.rows)} in < 10 s and < 200 MB`,
      value: `${fmt(wall, 2)} s, ${fmt(rss)} MB`,
      met: resync.every((r) => r.ok) && wall! < 10 && rss! < 200,
    });
  }
  const help = results.find((r) => r.name === "help");
  if (help) {
    const ms = help.notes.ms as Spread | undefined;
    out.push({
      name: "`backflow --help` < 300 ms",
      value: `${showSpread(ms)} ms`,
      met: ms !== undefined && ms.median < 300,
    });
  }
  const inc = results.find((r) => r.name === "incremental");
  if (inc) {
    const nothing = inc.runs.filter(
      (r) => r.scenario === "incremental: nothing new",
    );
    const wall = median(nothing, (r) => r.wallS * 1000);
    const inProcess = inc.notes.inProcessMs as Spread | undefined;
    out.push({
      name: "incremental run, nothing new: < 300 ms (in the scheduler)",
      value: `${showSpread(inProcess)} ms per run inside a long-lived process`,
      met: inProcess !== undefined && inProcess.median < 300,
    });
    out.push({
      name: "incremental run, nothing new: < 300 ms (`backflow run`)",
      value: `${fmt(wall)} ms from spawn to exit, process start included`,
      met: wall !== undefined && wall < 300,
    });
  }
  return out;
}

export function targetTable(list: Target[]): string {
  return table([
    ["target", "measured", "met"],
    ...list.map((t) => [
      t.name,
      t.value,
      t.met === undefined ? "-" : t.met ? "yes" : "NO",
    ]),
  ]);
}
