/** @jsxRuntime automatic @jsxImportSource react */
/**
 * Live per-task progress of one run: state, rows read, records sent,
 * rejected, rate and elapsed time. `backflow run` shows it while it runs
 * and the dashboard shows it for the run under the cursor.
 */
import { taskProgress } from "../../core/dashboard/index.ts";
import { count, duration, perSecond } from "./format.ts";
import { Table, type Cell, type ColumnSpec } from "./table.tsx";

export interface ProgressRow {
  readonly taskId: string;
  /** A task-instance state (queued, running, success …), or "none". */
  readonly state: string;
  readonly rowsRead: number;
  readonly recordsSent: number;
  readonly rejected: number;
  readonly startedAt: Date | null;
  readonly endedAt: Date | null;
}

const COLUMNS: readonly ColumnSpec[] = [
  { header: "TASK", flexible: true, min: 10 },
  { header: "STATE" },
  { header: "READ", align: "right" },
  { header: "SENT", align: "right" },
  { header: "REJECTED", align: "right" },
  { header: "RATE", align: "right", drop: 2 },
  { header: "ELAPSED", align: "right", drop: 1 },
];

function cells(row: ProgressRow, now: Date): Cell[] {
  const started = row.startedAt !== null && row.state !== "queued";
  const progress = taskProgress(row, now);
  const figure = (n: number): Cell => ({ text: started ? count(n) : "" });
  return [
    { text: row.taskId },
    row.state === "none"
      ? { text: "" }
      : { state: row.state, text: row.state.replaceAll("_", " ") },
    figure(row.rowsRead),
    figure(row.recordsSent),
    row.rejected > 0
      ? { text: count(row.rejected), color: "yellow" }
      : figure(row.rejected),
    { text: started ? perSecond(progress.rowsPerSecond) : "" },
    {
      text: progress.elapsedMs === null ? "" : duration(progress.elapsedMs),
    },
  ];
}

export interface TaskProgressTableProps {
  readonly rows: readonly ProgressRow[];
  readonly now: Date;
  readonly width: number;
  readonly selected?: number | undefined;
  readonly height?: number;
}

export function TaskProgressTable(props: TaskProgressTableProps) {
  return (
    <Table
      columns={COLUMNS}
      rows={props.rows.map((row) => cells(row, props.now))}
      width={props.width}
      selected={props.selected}
      {...(props.height === undefined ? {} : { height: props.height })}
    />
  );
}
