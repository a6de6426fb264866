/**
 * Human output of `backflow check`: each diagnostic with its source line,
 * the connection checks, and a one-line summary.
 */
import { join, relative } from "node:path";

import type { ConnectionCheck } from "../../core/compiler/check-connections.ts";
import type { CompileResult } from "../../core/compiler/compile.ts";
import { formatDiagnostic } from "../../core/compiler/diagnostic.ts";

/** Paths relative to the working directory, so terminals can open them. */
export function diagnosticsText(result: CompileResult, cwd: string): string {
  return result.diagnostics
    .map((d) => {
      const path = d.file
        ? relative(cwd, join(result.dir, d.file))
        : "(compiler options)";
      return formatDiagnostic(d, path);
    })
    .join("\n\n");
}

export function connectionsText(checks: readonly ConnectionCheck[]): string {
  return checks
    .map((c) => {
      const mark = c.ok ? "ok  " : "FAIL";
      return `${mark} ${c.kind} "${c.name}": ${c.message} (${c.ms} ms)`;
    })
    .join("\n");
}

export function summaryLine(result: CompileResult): string {
  const { stats } = result;
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  const checked = stats.typeChecked.length
    ? `type-checked ${stats.typeChecked.length} module(s)`
    : "no module needed a type-check";
  const cached = stats.typeCheckCached.length
    ? `, ${stats.typeCheckCached.length} from cache`
    : "";
  const dags = `${result.dags.length} DAG(s) ok`;
  const broken = result.errors.length
    ? `, ${result.errors.length} module(s) with ${errors.length} error(s)`
    : "";
  return `${dags}${broken} (${checked}${cached}; ${stats.ms} ms)`;
}

/**
 * The tasks that change the warehouse (`d.sql`), so that a reviewer sees
 * every write next to the reads; empty when there is none.
 */
export function writesText(result: CompileResult): string {
  const lines = result.serialized.flatMap((dag) =>
    dag.tasks
      .filter((t) => t.writes)
      .map(
        (t) =>
          `  ✎ ${dag.id}.${t.id} (${t.kind} on ` +
          `"${t.source ?? "?"}", ${dag.file})`,
      ),
  );
  return lines.length ? ["writes to the warehouse:", ...lines].join("\n") : "";
}
