/**
 * `backflow graph <dag>`: draws a DAG's tasks and dependencies as text, a
 * Mermaid flowchart or Graphviz DOT.
 */
import type { Command } from "commander";

import { UsageError } from "../../core/errors.ts";
import {
  GRAPH_FORMATS,
  renderGraph,
  type GraphFormat,
} from "../../core/graph/render-graph.ts";
import { findDag, pipelinesDir } from "./pipelines-option.ts";

interface GraphOptions {
  pipelines?: string;
  format: string;
}

export function register(program: Command): void {
  program
    .command("graph")
    .description("draw a DAG's tasks and dependencies")
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--format <format>", "text, mermaid or dot", "text")
    .action(async (dagId: string, options: GraphOptions) => {
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
    });
}
