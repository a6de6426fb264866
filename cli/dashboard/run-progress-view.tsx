/** @jsxRuntime automatic @jsxImportSource react */
/**
 * `backflow run` on a terminal: the run's tasks with their live counters,
 * the same table the dashboard shows for a run.
 */
import { Box, Static, Text } from "ink";

import { duration } from "./format.ts";
import { StateLabel } from "./state-mark.tsx";
import { TaskProgressTable, type ProgressRow } from "./task-progress-table.tsx";

export interface LiveRun {
  readonly dagId: string;
  readonly runId: string | null;
  readonly state: "running" | "success" | "failed";
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly tasks: readonly ProgressRow[];
}

export function RunProgressView(props: {
  readonly run: LiveRun;
  readonly now: Date;
  readonly width: number;
  /** Lines printed once, above the table (log lines). */
  readonly log?: readonly string[];
}) {
  const { run, now } = props;
  const took = (run.endedAt ?? now).getTime() - run.startedAt.getTime();
  return (
    <Box flexDirection="column" width={props.width}>
      <Static items={[...(props.log ?? [])]}>
        {(line, i) => <Text key={i}>{line}</Text>}
      </Static>
      <Text wrap="truncate-end">
        <Text bold>
          run {run.runId ?? "…"} of {run.dagId}
        </Text>
        {"  "}
        <StateLabel state={run.state} /> {duration(took)}
      </Text>
      <TaskProgressTable rows={run.tasks} now={now} width={props.width} />
    </Box>
  );
}
