/** @jsxRuntime automatic @jsxImportSource react */
/**
 * One task instance: live counters with rate, elapsed time and what is
 * left, its last error, samples of the rows it rejected and why, the tail
 * of its run log, and its earlier tries.
 */
import { Box, Text } from "ink";

import type { TaskDetail } from "../../core/dashboard/index.ts";
import type { LogEntry } from "../../core/store/records.ts";
import { clip, clock, count, duration, interval } from "./format.ts";
import { StateLabel, StateMark } from "./state-mark.tsx";
import { TaskCounters } from "./task-counters.tsx";
import { Table, type Cell, type ColumnSpec } from "./table.tsx";
import { Tint } from "./theme.tsx";

export interface TaskDetailViewProps {
  readonly detail: TaskDetail;
  readonly width: number;
  readonly height: number;
}

const REJECT_COLUMNS: readonly ColumnSpec[] = [
  { header: "ROW KEY" },
  { header: "FIELD" },
  { header: "BY", drop: 1 },
  { header: "REASON", flexible: true, min: 16 },
  { header: "EXCERPT", drop: 2 },
];

function rejectRows(detail: TaskDetail, width: number): Cell[][] {
  return detail.rejectedSamples.map((r) => [
    { text: r.rowKey ?? "–" },
    { text: r.field ?? "–" },
    { text: r.source },
    { text: clip(r.reason, width) },
    { text: r.excerpt === null ? "" : clip(JSON.stringify(r.excerpt), 40) },
  ]);
}

function logLine(entry: LogEntry, zone: string, width: number): string {
  const fields = Object.entries(entry.fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const text =
    `${clock(entry.ts, zone)} ${entry.level.padEnd(5)} ` +
    `${entry.event} ${fields}`;
  return clip(text.trimEnd(), width - 2);
}

function lastError(detail: TaskDetail): string | null {
  const t = detail.instance;
  if (t?.error) return t.errorCode ? `[${t.errorCode}] ${t.error}` : t.error;
  const tried = [...detail.tries].reverse().find((x) => x.error);
  return tried?.error ? `try ${tried.tryNumber}: ${tried.error}` : null;
}

export function TaskDetailView(props: TaskDetailViewProps) {
  const { detail, width } = props;
  const { run, instance: t } = detail;
  const zone = detail.timezone;
  const error = lastError(detail);
  const rejectedTitle =
    detail.rejectedCount === 0
      ? "none"
      : `${count(detail.rejectedCount)}${detail.rejectedCountCapped ? "+" : ""}` +
        ` stored; newest ${detail.rejectedSamples.length}`;
  // Fixed lines: title, counters, three section heads, error and spacing.
  const room = Math.max(2, props.height - 12 - detail.rejectedSamples.length);
  const logShown = detail.logTail.slice(
    -Math.max(1, room - detail.tries.length),
  );

  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold>
          {run.dagId} › run #{run.id} › {detail.taskId}
        </Text>
        {"  "}
        <StateLabel state={t?.state ?? "none"} />
        {t ? ` · try ${t.tryNumber} of ${t.maxTries}` : ""}
        {run.dataIntervalStart
          ? ` · ${interval(run.dataIntervalStart, run.dataIntervalEnd!, zone)}`
          : ""}
      </Text>
      <TaskCounters detail={detail} />
      <Tint bold color={error ? "red" : undefined}>
        Last error
      </Tint>
      <Text wrap="wrap">
        {"  "}
        {error ? clip(error, (width - 2) * 2) : "none"}
      </Text>
      <Text bold>Rejected rows: {rejectedTitle}</Text>
      {detail.rejectedSamples.length ? (
        <Table
          columns={REJECT_COLUMNS}
          rows={rejectRows(detail, width)}
          width={width}
        />
      ) : null}
      <Text bold>Log</Text>
      {logShown.length ? (
        logShown.map((entry) => (
          <Text key={entry.id} wrap="truncate-end">
            {"  "}
            <Tint
              color={
                entry.level === "error"
                  ? "red"
                  : entry.level === "warn"
                    ? "yellow"
                    : undefined
              }
            >
              {logLine(entry, zone, width)}
            </Tint>
          </Text>
        ))
      ) : (
        <Text>{"  "}no entries</Text>
      )}
      {detail.tries.length ? <Text bold>Tries</Text> : null}
      {detail.tries.map((x) => (
        <Text key={x.tryNumber} wrap="truncate-end">
          {"  "}#{x.tryNumber} <StateMark state={x.state} /> {x.state}
          {x.startedAt
            ? ` ${clock(x.startedAt, zone)}, ${duration(+x.endedAt - +x.startedAt)}`
            : ""}
          {`, read ${count(x.rowsRead)}, sent ${count(x.recordsSent)}`}
          {x.error ? ` — ${clip(x.error, width)}` : ""}
        </Text>
      ))}
    </Box>
  );
}
