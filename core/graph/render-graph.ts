/**
 * Draws a serialized DAG for `backflow graph`: as indented text, as a
 * Mermaid flowchart (renders in GitHub and most Markdown viewers) or as
 * Graphviz DOT. Works from the serialized form, so it can draw a DAG read
 * from the metadata store as well as a freshly compiled one.
 */
import type {
  SerializedDag,
  SerializedTask,
} from "../compiler/serialize-dag.ts";

export type GraphFormat = "text" | "mermaid" | "dot";

export const GRAPH_FORMATS: readonly GraphFormat[] = ["text", "mermaid", "dot"];

function label(task: SerializedTask): string {
  const parts: string[] = [task.kind];
  if (task.source) parts.push(`from ${task.source}`);
  if (task.destination) parts.push(`to ${task.destination}`);
  if (task.writes) parts.push("writes");
  return parts.join(", ");
}

function text(dag: SerializedDag): string {
  const when = dag.schedule ? `${dag.schedule} (${dag.timezone})` : "manual";
  const lines = [`${dag.id}  ${when}`];
  const width = Math.max(...dag.tasks.map((t) => t.id.length));
  dag.levels.forEach((level, i) => {
    lines.push(`  level ${i}`);
    for (const id of level) {
      const task = dag.tasks.find((t) => t.id === id)!;
      const after = task.dependsOn.length
        ? `  ← ${task.dependsOn.join(", ")}`
        : "";
      lines.push(`    ${id.padEnd(width)}  ${label(task)}${after}`);
    }
  });
  return lines.join("\n");
}

const MERMAID_SHAPES: Record<SerializedTask["kind"], [string, string]> = {
  events: ["([", "])"],
  userProfiles: ["[", "]"],
  groupProfiles: ["[", "]"],
  sql: ["[(", ")]"],
  task: ["{{", "}}"],
};

function mermaidText(value: string): string {
  return value.replace(/"/g, "#quot;");
}

function mermaid(dag: SerializedDag): string {
  const ids = new Map(dag.tasks.map((t, i) => [t.id, `t${i}`]));
  const lines = ["flowchart LR"];
  for (const task of dag.tasks) {
    const [open, close] = MERMAID_SHAPES[task.kind];
    const name = mermaidText(`${task.id}<br/>${label(task)}`);
    lines.push(`  ${ids.get(task.id)}${open}"${name}"${close}`);
  }
  for (const edge of dag.edges) {
    lines.push(`  ${ids.get(edge.from)} --> ${ids.get(edge.to)}`);
  }
  return lines.join("\n");
}

const DOT_SHAPES: Record<SerializedTask["kind"], string> = {
  events: "box, style=rounded",
  userProfiles: "box",
  groupProfiles: "box",
  sql: "cylinder",
  task: "hexagon",
};

function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

function dot(dag: SerializedDag): string {
  const lines = [`digraph ${quote(dag.id)} {`, "  rankdir=LR;"];
  for (const task of dag.tasks) {
    const name = quote(`${task.id}\n${label(task)}`).replace(/\n/g, "\\n");
    lines.push(
      `  ${quote(task.id)} [label=${name}, shape=${DOT_SHAPES[task.kind]}];`,
    );
  }
  for (const edge of dag.edges) {
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)};`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** The DAG drawn in `format`, without a trailing line break. */
export function renderGraph(dag: SerializedDag, format: GraphFormat): string {
  switch (format) {
    case "mermaid":
      return mermaid(dag);
    case "dot":
      return dot(dag);
    default:
      return text(dag);
  }
}
