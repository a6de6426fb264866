/** @jsxRuntime automatic @jsxImportSource react */
/**
 * One-line summaries around the run grid: the DAG's schedule and next
 * run above it, the chosen run below it.
 */
import { Text } from "ink";

import type { DagSummary, GridRun } from "../../core/dashboard/index.ts";
import { dateTime, duration, interval, soon, until } from "./format.ts";
import { StateLabel } from "./state-mark.tsx";
import { Tint } from "./theme.tsx";

export function DagLine(props: { dag: DagSummary | null; now: Date }) {
  const dag = props.dag;
  if (!dag) return <Text>not in the store&apos;s DAG list</Text>;
  const next = dag.isPaused
    ? "paused"
    : dag.nextRunAt
      ? `next ${soon(dag.nextRunAt, dag.timezone, props.now)} ` +
        until(dag.nextRunAt, props.now)
      : "manual only";
  return (
    <Text wrap="truncate-end">
      {dag.schedule ?? "no schedule"} · {dag.timezone} ·{" "}
      <Tint color={dag.isPaused ? "yellow" : undefined}>{next}</Tint>
      {dag.writes.length ? (
        <Tint color="yellow"> · ✎ writes: {dag.writes.join(", ")}</Tint>
      ) : null}
    </Text>
  );
}

export function RunLine(props: { column: GridRun; zone: string; now: Date }) {
  const { run } = props.column;
  const span = run.dataIntervalStart
    ? interval(run.dataIntervalStart, run.dataIntervalEnd!, props.zone)
    : dateTime(run.logicalDate, props.zone);
  const ended = run.endedAt !== null;
  const since = run.startedAt ?? run.queuedAt;
  const took =
    `${ended ? "in" : "for"} ` +
    duration((run.endedAt ?? props.now).getTime() - since.getTime());
  return (
    <Text wrap="truncate-end">
      <Text bold>Run #{run.id}</Text> {run.runType} · {span} ·{" "}
      <StateLabel state={run.state} /> {took}
    </Text>
  );
}
