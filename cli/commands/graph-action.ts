/**
 * What `backflow graph` does; `graph.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { UsageError } from "../../core/errors.ts";
import {
  GRAPH_FORMATS,
  renderGraph,
  type GraphFormat,
} from "../../core/graph/render-graph.ts";
import { findDag, pipelinesDir } from "./pipelines-option.ts";

export interface GraphOptions {
  pipelines?: string;
  format: string;
}

export async function graph(
  dagId: string,
  options: GraphOptions,
): Promise<void> {
  const format = options.format as GraphFormat;
  if (!GRAPH_FORMATS.includes(format)) {
    throw new UsageError(
      `--format must be one of ${GRAPH_FORMATS.join(", ")} ` +
        `(got "${options.format}")`,
    );
  }
  const { loaded } = await findDag(pipelinesDir(options.pipelines), dagId);
  const serialized = loaded.serialized.find((d) => d.id === dagId)!;
  process.stdout.write(renderGraph(serialized, format) + "\n");
}
