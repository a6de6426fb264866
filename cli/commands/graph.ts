/**
 * `backflow graph <dag>`: draws a DAG's tasks and dependencies as text, a
 * Mermaid flowchart or Graphviz DOT.
 */
import type { Command } from "commander";
import type { GraphOptions } from "./graph-action.ts";

export function register(program: Command): void {
  program
    .command("graph")
    .description("draw a DAG's tasks and dependencies")
    .argument("<dag>", "the DAG id")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--format <format>", "text, mermaid or dot", "text")
    .action(async (dagId: string, options: GraphOptions) => {
      const { graph } = await import("./graph-action.ts");
      await graph(dagId, options);
    });
}
