/** @jsxRuntime automatic @jsxImportSource react */
/**
 * The dashboard: a stack of screens (DAG list → run grid → task detail),
 * each re-read from the metadata store every `refreshMs`, with keys that
 * move, open, go back and act (trigger, pause, retry; see screen-keys).
 */
import { Box, Text, useApp, useInput } from "ink";
import { useEffect, useReducer, useRef, useState } from "react";

import type { DashboardSource } from "../../core/dashboard/index.ts";
import { errorMessage } from "../../core/errors.ts";
import { DagListView } from "./dag-list-view.tsx";
import { clip, clock } from "./format.ts";
import { HelpLine } from "./help-line.tsx";
import { RunGridView } from "./run-grid-view.tsx";
import { loadSnapshot, perform } from "./screen-io.ts";
import { gridCursor, onKey, snapshotKey, type Screen } from "./screen-keys.ts";
import { TaskDetailView } from "./task-detail-view.tsx";
import { Tint } from "./theme.tsx";
import { usePolling } from "./use-polling.ts";
import { useTerminalSize, type TerminalSize } from "./use-terminal-size.ts";

export interface DashboardAppProps {
  readonly source: DashboardSource;
  /** Where the store is, safe to show. */
  readonly title: string;
  /** (default: 500 ms) */
  readonly refreshMs?: number;
  /** Runs the grid reads (default: 30). */
  readonly runsShown?: number;
  /** Open this DAG's run grid first. */
  readonly dagId?: string;
  /** When the terminal does not tell (default: 100 × 30). */
  readonly size?: TerminalSize;
}

interface Flash {
  readonly text: string;
  readonly error: boolean;
}

export function DashboardApp(props: DashboardAppProps) {
  const { source } = props;
  const { exit } = useApp();
  const size = useTerminalSize(props.size ?? { columns: 100, rows: 30 });
  // Keys read the stack and the snapshot through refs: a key pressed
  // before React re-rendered must see the screen the previous key made.
  const stack = useRef<Screen[]>(
    props.dagId
      ? [
          { kind: "dags", dagId: props.dagId },
          { kind: "grid", dagId: props.dagId, taskId: null, runId: null },
        ]
      : [{ kind: "dags", dagId: null }],
  );
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [flash, setFlash] = useState<Flash | null>(null);
  const screen = stack.current[stack.current.length - 1]!;
  const polled = usePolling(
    snapshotKey(screen),
    loadSnapshot(source, screen, props.runsShown ?? 30),
    props.refreshMs ?? 500,
  );
  const snapshot =
    polled.value?.kind === screen.kind ? polled.value : undefined;
  const latest = useRef(snapshot);
  latest.current = snapshot;

  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), 8000);
    return () => clearTimeout(timer);
  }, [flash]);

  useInput((input, key) => {
    const outcome = onKey(stack.current, latest.current, input, key);
    if (outcome.exit) {
      exit();
      return;
    }
    if (outcome.stack) {
      const before = snapshotKey(stack.current.at(-1)!);
      stack.current = outcome.stack;
      if (snapshotKey(outcome.stack.at(-1)!) !== before) {
        latest.current = undefined;
      }
      redraw();
    }
    if (outcome.action) {
      perform(source, outcome.action)
        .then((text) => setFlash({ text, error: false }))
        .catch((error: unknown) =>
          setFlash({ text: errorMessage(error), error: true }),
        )
        .finally(polled.refresh);
    }
  });

  const width = size.columns;
  const height = Math.max(6, size.rows - 4);
  let view;
  if (!snapshot) {
    view = <Text>{polled.error ? "" : "reading the metadata store…"}</Text>;
  } else if (snapshot.kind === "dags") {
    const dags = snapshot.overview.dags;
    const selected = Math.max(
      0,
      dags.findIndex((d) => d.dagId === (screen as { dagId: string }).dagId),
    );
    view = (
      <DagListView
        overview={snapshot.overview}
        selected={selected}
        width={width}
        height={height}
      />
    );
  } else if (snapshot.kind === "grid" && screen.kind === "grid") {
    view = (
      <RunGridView
        grid={snapshot.grid}
        cursor={gridCursor(screen, snapshot.grid)}
        width={width}
        height={height}
      />
    );
  } else if (snapshot.kind === "task") {
    view = (
      <TaskDetailView detail={snapshot.detail} width={width} height={height} />
    );
  }

  const readAt =
    snapshot?.kind === "dags"
      ? snapshot.overview.readAt
      : snapshot?.kind === "grid"
        ? snapshot.grid.readAt
        : snapshot?.detail.readAt;
  return (
    <Box flexDirection="column" width={width} height={size.rows - 1}>
      <Text wrap="truncate-end">
        <Text bold>backflow dashboard</Text>
        {readAt ? ` · ${clock(readAt, "UTC")} UTC` : ""} · {props.title}
      </Text>
      {polled.error ? (
        <Tint color="red">
          {clip(`store unreachable: ${polled.error} (retrying)`, width)}
        </Tint>
      ) : null}
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {view}
      </Box>
      <Text wrap="truncate-end">
        {flash ? (
          <Tint color={flash.error ? "red" : "green"}>
            {clip(flash.text, width)}
          </Tint>
        ) : (
          " "
        )}
      </Text>
      <HelpLine kind={screen.kind} width={width} />
    </Box>
  );
}
