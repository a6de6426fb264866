/**
 * What the compiler reports: one diagnostic per problem, located at a file,
 * line and column of a pipeline module, with the offending source line, so
 * that an editor or a terminal can jump to it.
 */

export type DiagnosticSeverity = "error" | "warning";

/** Which step of the compile found the problem. */
export type DiagnosticPhase = "typecheck" | "import" | "validate";

export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  readonly phase: DiagnosticPhase;
  /**
   * A stable code: `TS2322` for the type checker, else a backflow error code
   * such as `GRAPH_CYCLE` or `DAG_DUPLICATE_TASK`.
   */
  readonly code: string;
  /** The module's path relative to the pipelines folder. */
  readonly file: string;
  /** 1-based; 0 when the problem has no place in the file. */
  readonly line: number;
  /** 1-based; 0 when the problem has no place in the file. */
  readonly column: number;
  readonly message: string;
  /** The text of `line`, for showing it with a caret. */
  readonly sourceLine?: string;
  readonly dagId?: string;
  readonly taskId?: string;
}

/** A position in a file, both 1-based. */
export interface Location {
  readonly line: number;
  readonly column: number;
}

/** The 1-based line and column of a character offset in `text`. */
export function locationAt(text: string, offset: number): Location {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** The text of a 1-based line, without its line break. */
export function lineText(text: string, line: number): string | undefined {
  if (line < 1) return undefined;
  const lines = text.split(/\r?\n/);
  return lines[line - 1];
}

/**
 * Formats a diagnostic like a compiler does:
 *
 *     pipelines/shop.ts:12:5 - error GRAPH_CYCLE: DAG "shop": …
 *       12 |     d.events("orders", {
 *          |     ^
 *
 * @param path how to show the file (e.g. relative to the working directory)
 */
export function formatDiagnostic(d: Diagnostic, path = d.file): string {
  const at = d.line > 0 ? `${path}:${d.line}:${d.column}` : path;
  const head = `${at} - ${d.severity} ${d.code}: ${d.message}`;
  if (d.sourceLine === undefined || d.line < 1) return head;

  const number = String(d.line);
  const gutter = " ".repeat(number.length);
  // Tabs keep their width so that the caret lands under the right column.
  const pad = d.sourceLine
    .slice(0, Math.max(0, d.column - 1))
    .replace(/[^\t]/g, " ");
  return [head, `  ${number} | ${d.sourceLine}`, `  ${gutter} | ${pad}^`].join(
    "\n",
  );
}

/** Whether any diagnostic is an error (exit code 1). */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
