/**
 * What `backflow check` does; `check.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import {
  checkConnections,
  type ConnectionCheck,
} from "../../core/compiler/check-connections.ts";
import { compilePipelines } from "../../core/compiler/compile.ts";
import { hasErrors } from "../../core/compiler/diagnostic.ts";
import {
  connectionsText,
  diagnosticsText,
  summaryLine,
  writesText,
} from "../render/diagnostics.ts";
import { pipelinesDir } from "./pipelines-option.ts";

export interface CheckOptions {
  pipelines?: string;
  json?: boolean;
  connections?: boolean;
  cache?: boolean;
}

export async function check(options: CheckOptions): Promise<void> {
  const result = await compilePipelines(pipelinesDir(options.pipelines), {
    ...(options.cache === false ? { cacheDir: false as const } : {}),
  });
  let connections: ConnectionCheck[] | undefined;
  if (options.connections) {
    connections = await checkConnections(result.dags);
  }
  const failed =
    hasErrors(result.diagnostics) || (connections?.some((c) => !c.ok) ?? false);

  if (options.json) {
    const out = {
      ok: !failed,
      dir: result.dir,
      dags: result.serialized.map((d) => ({
        id: d.id,
        file: d.file,
        // Tasks that change the warehouse, named in every check.
        writes: d.tasks
          .filter((t) => t.writes)
          .map((t) => ({ task: t.id, kind: t.kind, connection: t.source })),
      })),
      diagnostics: result.diagnostics,
      importErrors: result.errors.map((e) => ({
        file: e.file,
        message: e.message,
      })),
      ...(connections ? { connections } : {}),
      stats: result.stats,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    const parts = [
      diagnosticsText(result, process.cwd()),
      writesText(result),
      connections ? connectionsText(connections) : "",
      summaryLine(result),
    ];
    process.stdout.write(parts.filter(Boolean).join("\n\n") + "\n");
  }
  if (failed) process.exitCode = 1;
}
