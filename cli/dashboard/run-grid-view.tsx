/** @jsxRuntime automatic @jsxImportSource react */
/**
 * Recent runs × tasks of one DAG, one cell per task instance (newest run
 * on the right), and below it the live progress of the run under the
 * cursor.
 */
import { Box, Text } from "ink";

import type { GridRun, RunGrid } from "../../core/dashboard/index.ts";
import { clip } from "./format.ts";
import { DagLine, RunLine } from "./run-lines.tsx";
import { LEGEND, StateMark } from "./state-mark.tsx";
import { windowOf } from "./table.tsx";
import { TaskProgressTable, type ProgressRow } from "./task-progress-table.tsx";
import { Tint } from "./theme.tsx";

export interface GridCursor {
  /** Index into the grid's task ids. */
  readonly task: number;
  /** Index into the grid's runs (0: oldest shown). */
  readonly run: number;
}

export interface RunGridViewProps {
  readonly grid: RunGrid;
  readonly cursor: GridCursor;
  readonly width: number;
  readonly height: number;
}

/** A cell `width` wide, the state's symbol in its middle, bracketed if chosen. */
function GridCell(props: {
  state: string | undefined;
  width: number;
  chosen: boolean;
}) {
  const left = Math.floor((props.width - 1) / 2);
  const right = props.width - 1 - left;
  const pad = (n: number, edge: string) =>
    props.chosen ? " ".repeat(n - 1) + edge : " ".repeat(n);
  return (
    <Text>
      {pad(left, "[")}
      <StateMark state={props.state} />
      {props.chosen ? "]" + " ".repeat(right - 1) : " ".repeat(right)}
    </Text>
  );
}

function progressRows(
  taskIds: readonly string[],
  column: GridRun,
): ProgressRow[] {
  return taskIds.map((taskId) => {
    const t = column.tasks[taskId];
    return {
      taskId,
      state: t?.state ?? "none",
      rowsRead: t?.rowsRead ?? 0,
      recordsSent: t?.recordsSent ?? 0,
      rejected: t?.recordsRejected ?? 0,
      startedAt: t?.startedAt ?? null,
      endedAt: t?.endedAt ?? null,
    };
  });
}

export function RunGridView(props: RunGridViewProps) {
  const { grid, cursor, width } = props;
  const now = grid.readAt;
  const zone = grid.dag?.timezone ?? "UTC";
  if (grid.runs.length === 0) {
    return (
      <Box flexDirection="column" width={width}>
        <Text bold>{grid.dagId}</Text>
        <DagLine dag={grid.dag} now={now} />
        <Text>No runs yet: press t to trigger one.</Text>
      </Box>
    );
  }

  const nameWidth = Math.min(
    24,
    Math.max(4, ...grid.taskIds.map((t) => t.length)),
  );
  const cellWidth = Math.max(
    3,
    ...grid.runs.map((r) => String(r.run.id).length + 1),
  );
  const fit = Math.max(1, Math.floor((width - nameWidth - 4) / cellWidth));
  const total = grid.runs.length;
  const first =
    total <= fit ? 0 : Math.max(0, Math.min(total - fit, cursor.run - fit + 1));
  const shown = grid.runs.slice(first, first + fit);

  // Half the room below the header lines goes to the grid, half to the
  // progress table of the chosen run.
  const room = Math.max(4, props.height - 6);
  const gridRows = Math.max(1, Math.floor(room / 2) - 2);
  const rows = windowOf(grid.taskIds.length, gridRows, cursor.task);
  const column = grid.runs[cursor.run] ?? grid.runs[total - 1]!;
  const name = (text: string) => (
    <Box width={nameWidth + 4} flexShrink={0}>
      <Text wrap="truncate-end">{text}</Text>
    </Box>
  );

  return (
    <Box flexDirection="column" width={width}>
      <Text bold wrap="truncate-end">
        {grid.dagId}
        <Text bold={false}>
          {"  "}
          {total} recent run{total === 1 ? "" : "s"} × {grid.taskIds.length}{" "}
          task{grid.taskIds.length === 1 ? "" : "s"}
        </Text>
      </Text>
      <DagLine dag={grid.dag} now={now} />
      <Box>
        {name("  run")}
        {shown.map((c) => (
          <Box key={c.run.id} width={cellWidth} flexShrink={0}>
            <Text>{String(c.run.id).padStart(cellWidth - 1)}</Text>
          </Box>
        ))}
      </Box>
      <Box>
        {name("  state")}
        {shown.map((c) => (
          <GridCell
            key={c.run.id}
            state={c.run.state}
            width={cellWidth}
            chosen={false}
          />
        ))}
      </Box>
      {grid.taskIds.slice(rows.start, rows.end).map((taskId, i) => (
        <Box key={taskId}>
          {name(`${rows.start + i === cursor.task ? ">" : " "} ${taskId}`)}
          {shown.map((c, j) => (
            <GridCell
              key={c.run.id}
              state={c.tasks[taskId]?.state}
              width={cellWidth}
              chosen={
                rows.start + i === cursor.task && first + j === cursor.run
              }
            />
          ))}
        </Box>
      ))}
      <Box marginTop={1}>
        <RunLine column={column} zone={zone} now={now} />
      </Box>
      <TaskProgressTable
        rows={progressRows(grid.taskIds, column)}
        now={now}
        width={width}
        selected={cursor.task}
        height={Math.max(1, room - gridRows - 4)}
      />
      <Tint dim>{clip(LEGEND, width)}</Tint>
    </Box>
  );
}
