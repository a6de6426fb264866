/**
 * Options shared by the commands that read a project's pipelines.
 */
import { resolve } from "node:path";
import { BackflowError } from "../../core/errors.ts";
import {
  loadPipelines,
  type LoadedPipelines,
} from "../../core/runner/load-pipelines.ts";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";

/** (default: ./pipelines, or BACKFLOW_PIPELINES) */
export function pipelinesDir(option: string | undefined): string {
  return resolve(option ?? process.env.BACKFLOW_PIPELINES ?? "pipelines");
}

export async function findDag(
  dir: string,
  dagId: string,
): Promise<{ dag: DagDefinition; loaded: LoadedPipelines }> {
  const loaded = await loadPipelines(dir);
  const dag = loaded.dags.find((d) => d.id === dagId);
  if (dag) return { dag, loaded };

  const known = loaded.dags.map((d) => d.id).join(", ") || "none";
  const broken = loaded.errors
    .map((e) => `\n  import error in ${e.file}: ${e.message}`)
    .join("");
  throw new BackflowError(
    "DAG_NOT_FOUND",
    `no DAG "${dagId}" in ${dir} (DAGs found: ${known})${broken}`,
  );
}
