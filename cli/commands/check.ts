/**
 * `backflow check`: type-checks, imports and validates every pipeline
 * module, and with `--connections` proves each connection works, without
 * writing anything anywhere.
 */
import type { Command } from "commander";

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
} from "../render/diagnostics.ts";
import { pipelinesDir } from "./pipelines-option.ts";

interface CheckOptions {
  pipelines?: string;
  json?: boolean;
  connections?: boolean;
  cache?: boolean;
}

export function register(program: Command): void {
  program
    .command("check")
    .description(
      "type-check and validate every pipeline module (exit 1 on any error)",
    )
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print every diagnostic as JSON")
    .option(
      "--connections",
      "also verify each Postgres and Mixpanel connection (writes nothing)",
    )
    .option("--no-cache", "type-check every module, ignoring the cache")
    .action(async (options: CheckOptions) => {
      const result = await compilePipelines(pipelinesDir(options.pipelines), {
        ...(options.cache === false ? { cacheDir: false as const } : {}),
      });
      let connections: ConnectionCheck[] | undefined;
      if (options.connections) {
        connections = await checkConnections(result.dags);
      }
      const failed =
        hasErrors(result.diagnostics) ||
        (connections?.some((c) => !c.ok) ?? false);

      if (options.json) {
        const out = {
          ok: !failed,
          dir: result.dir,
          dags: result.serialized.map((d) => ({ id: d.id, file: d.file })),
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
          connections ? connectionsText(connections) : "",
          summaryLine(result),
        ];
        process.stdout.write(parts.filter(Boolean).join("\n\n") + "\n");
      }
      if (failed) process.exitCode = 1;
    });
}
