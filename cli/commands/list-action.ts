/**
 * What `backflow list` does; `list.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { loadPipelines } from "../../core/runner/load-pipelines.ts";
import { pipelinesDir } from "./pipelines-option.ts";

export interface ListOptions {
  pipelines?: string;
  json?: boolean;
}

export async function list(options: ListOptions): Promise<void> {
  const loaded = await loadPipelines(pipelinesDir(options.pipelines));
  const dags = loaded.dags.map((dag) => ({
    id: dag.id,
    schedule: dag.schedule ?? null,
    timezone: dag.timezone,
    tasks: dag.tasks.map((t) => ({
      id: t.id,
      kind: t.kind,
      after: [...t.dependsOn],
    })),
  }));

  if (options.json) {
    const out = { dags, importErrors: loaded.errors };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    for (const dag of dags) {
      const when = dag.schedule
        ? `${dag.schedule} (${dag.timezone})`
        : "manual";
      process.stdout.write(`${dag.id}  ${when}\n`);
      for (const t of dag.tasks) {
        const after = t.after.length ? `  after ${t.after.join(", ")}` : "";
        process.stdout.write(`  ${t.id}  ${t.kind}${after}\n`);
      }
    }
    for (const e of loaded.errors) {
      process.stdout.write(`import error in ${e.file}: ${e.message}\n`);
    }
    if (dags.length === 0 && loaded.errors.length === 0) {
      process.stdout.write(`no DAGs in ${loaded.dir}\n`);
    }
  }
  if (loaded.errors.length > 0) process.exitCode = 1;
}
