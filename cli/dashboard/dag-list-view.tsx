/** @jsxRuntime automatic @jsxImportSource react */
/**
 * The DAG list: schedule, time zone, paused, next run, last run and its
 * state, and the tasks that write to the warehouse; the import errors
 * below.
 */
import { Box, Text } from "ink";

import type { DagSummary, Overview } from "../../core/dashboard/index.ts";
import { ago, clip, roughly, soon, until } from "./format.ts";
import { Table, type Cell, type ColumnSpec } from "./table.tsx";
import { Tint } from "./theme.tsx";
import { workersLine } from "./worker-line.ts";

const COLUMNS: readonly ColumnSpec[] = [
  { header: "DAG", flexible: true, min: 10 },
  { header: "SCHEDULE", drop: 3 },
  { header: "ZONE", drop: 2 },
  { header: "PAUSED" },
  { header: "NEXT RUN", drop: 1 },
  { header: "LAST RUN", flexible: true, min: 12 },
  { header: "WRITES", drop: 4 },
];

function nextRun(dag: DagSummary, now: Date): Cell {
  if (dag.isPaused) return { text: "paused", color: "yellow" };
  if (dag.scheduleError) return { text: "bad schedule", color: "red" };
  if (!dag.nextRunAt) return { text: "manual only", color: "gray" };
  return {
    text:
      `${soon(dag.nextRunAt, dag.timezone, now)} ` + until(dag.nextRunAt, now),
  };
}

function lastRun(dag: DagSummary, now: Date): Cell {
  const run = dag.lastRun;
  if (!run) return { text: "never", color: "gray" };
  const head = `#${run.id} ${run.state}`;
  if (run.endedAt) {
    return { state: run.state, text: `${head} ${ago(run.endedAt, now)}` };
  }
  const since = run.startedAt
    ? ` ${roughly(now.getTime() - +run.startedAt)}`
    : "";
  return { state: run.state, text: head + since };
}

/** "file: message", unless the compiler already put the file first. */
function importLine(file: string, message: string): string {
  return message.startsWith(file) ? message : `${file}: ${message}`;
}

export function dagRows(overview: Overview): Cell[][] {
  return overview.dags.map((dag) => [
    { text: dag.dagId, bold: true },
    { text: dag.schedule ?? "–" },
    { text: dag.timezone },
    dag.isPaused
      ? { text: "yes", color: "yellow" }
      : { text: "no", color: "gray" },
    nextRun(dag, overview.readAt),
    lastRun(dag, overview.readAt),
    // Tasks that change the warehouse are never hidden among the reads.
    dag.writes.length
      ? { text: `✎ ${dag.writes.join(", ")}`, color: "yellow" }
      : { text: "–", color: "gray" },
  ]);
}

export interface DagListViewProps {
  readonly overview: Overview;
  readonly selected: number;
  readonly width: number;
  /** Lines this view may use. */
  readonly height: number;
}

export function DagListView(props: DagListViewProps) {
  const { overview, width } = props;
  const errors = overview.importErrors;
  const workers = workersLine(overview.workers);
  const errorLines = errors.length ? Math.min(errors.length, 5) + 1 : 0;
  const tableRows = Math.max(1, props.height - 2 - errorLines);
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>
        DAGs ({overview.dags.length})
        {errors.length ? (
          <Tint color="red">
            {"  "}
            {errors.length} import error{errors.length === 1 ? "" : "s"}
          </Tint>
        ) : null}
        {workers ? <Tint color="gray">{`  ${workers}`}</Tint> : null}
      </Text>
      {overview.dags.length === 0 ? (
        <Text>
          No DAGs in the store yet: run `backflow check` or start the scheduler
          so that it publishes the pipelines.
        </Text>
      ) : (
        <Table
          columns={COLUMNS}
          rows={dagRows(overview)}
          width={width}
          selected={props.selected}
          height={tableRows}
        />
      )}
      {errors.length ? (
        <Box flexDirection="column" marginTop={0}>
          <Tint color="red" bold>
            Import errors
          </Tint>
          {errors.slice(0, 5).map((e) => (
            <Text key={`${e.pipelinesDir}/${e.file}`} wrap="truncate-end">
              {"  "}
              <Tint color="red">✗</Tint>{" "}
              {clip(importLine(e.file, e.message), width - 4)}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
