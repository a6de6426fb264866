/**
 * The DAG a scheduling command names, as the metadata store knows it. When
 * the store has not seen it (no scheduler has compiled the folder yet), the
 * pipelines are compiled and published first.
 */
import { publishCompiled } from "../../core/compiler/publish.ts";
import { BackflowError } from "../../core/errors.ts";
import { loadPipelines } from "../../core/runner/load-pipelines.ts";
import { CronSchedule } from "../../core/scheduler/cron-schedule.ts";
import type { StoredDag } from "../../core/store/dag-repository.ts";
import type { MetadataStore } from "../../core/store/metadata-store.ts";

export async function storedDag(
  store: MetadataStore,
  dir: string,
  dagId: string,
): Promise<StoredDag> {
  const known = await store.dags.get(dagId);
  if (known?.isActive) return known;

  const compiled = await loadPipelines(dir);
  await publishCompiled(store, compiled);
  const found = await store.dags.get(dagId);
  if (found?.isActive) return found;

  const ids = compiled.dags.map((d) => d.id).join(", ") || "none";
  const broken = compiled.errors
    .map((e) => `\n  import error in ${e.file}: ${e.message}`)
    .join("");
  throw new BackflowError(
    "DAG_NOT_FOUND",
    `no DAG "${dagId}" in ${dir} (DAGs found: ${ids})${broken}`,
  );
}

/** The stored DAG's schedule, or undefined for a manual-only DAG. */
export function scheduleOf(dag: StoredDag): CronSchedule | undefined {
  return dag.schedule === null
    ? undefined
    : new CronSchedule(dag.schedule, dag.timezone);
}
