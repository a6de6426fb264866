/** @jsxRuntime automatic @jsxImportSource react */
/**
 * The dashboard's DAG list as plain text, for a stdout that is not a
 * terminal (a pipe, a file, a CI log): the same table, without colour,
 * cursor or keys.
 */
import { renderToString } from "ink";

import type { Overview } from "../../core/dashboard/index.ts";
import { DagListView } from "./dag-list-view.tsx";
import { ColorContext } from "./theme.tsx";

export function plainStatus(overview: Overview, columns = 120): string {
  const rows = overview.dags.length + overview.importErrors.length + 8;
  const text = renderToString(
    <ColorContext.Provider value={false}>
      <DagListView
        overview={overview}
        selected={-1}
        width={columns}
        height={rows}
      />
    </ColorContext.Provider>,
    { columns },
  );
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");
}
