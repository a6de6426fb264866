/** @jsxRuntime automatic @jsxImportSource react */
/**
 * A task instance's live figures: rows read, records sent and rejected,
 * rate, elapsed time, what is left, heartbeat and worker.
 */
import { Box, Text } from "ink";

import { taskProgress, type TaskDetail } from "../../core/dashboard/index.ts";
import { ago, count, duration, perSecond } from "./format.ts";
import { Tint } from "./theme.tsx";

function Pair(props: { label: string; value: string; warn?: boolean }) {
  return (
    <Box width={30} flexShrink={0}>
      <Box width={14} flexShrink={0}>
        <Text>{props.label}</Text>
      </Box>
      <Tint color={props.warn ? "yellow" : undefined}>{props.value}</Tint>
    </Box>
  );
}

function left(detail: TaskDetail): string {
  const instance = detail.instance;
  if (!instance) return "–";
  if (instance.state !== "running") return "–";
  const p = taskProgress(instance, detail.readAt, detail.expected);
  if (p.rowsLeft === null) return "unknown (the source cannot tell)";
  const eta = p.etaMs === null ? "" : `, ~${duration(p.etaMs)}`;
  return `~${count(p.rowsLeft)} rows${eta} (${p.basis})`;
}

/** The live figures of a task instance, in two columns. */
export function TaskCounters(props: { detail: TaskDetail }) {
  const { detail } = props;
  const t = detail.instance;
  const p = t ? taskProgress(t, detail.readAt) : null;
  const heartbeat = t?.heartbeatAt ? ago(t.heartbeatAt, detail.readAt) : "–";
  return (
    <Box flexDirection="column" paddingLeft={2}>
      <Box>
        <Pair label="rows read" value={count(t?.rowsRead ?? 0)} />
        <Pair label="rate" value={perSecond(p?.rowsPerSecond ?? null)} />
      </Box>
      <Box>
        <Pair label="records sent" value={count(t?.recordsSent ?? 0)} />
        <Pair
          label="elapsed"
          value={p?.elapsedMs == null ? "–" : duration(p.elapsedMs)}
        />
      </Box>
      <Box>
        <Pair
          label="rejected"
          value={count(t?.recordsRejected ?? 0)}
          warn={(t?.recordsRejected ?? 0) > 0}
        />
        <Box width={14} flexShrink={0}>
          <Text>left</Text>
        </Box>
        <Text wrap="truncate-end">{left(detail)}</Text>
      </Box>
      <Box>
        <Pair label="heartbeat" value={heartbeat} />
        <Pair label="worker" value={t?.worker ?? "–"} />
      </Box>
    </Box>
  );
}
