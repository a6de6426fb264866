/**
 * Diagnostics for what goes wrong after the type check: an error thrown
 * while a module was imported, and a problem found by validating the DAGs.
 * Both are placed at the line of the module to change.
 */
import { BackflowError, errorMessage } from "../errors.ts";
import { redact } from "../util/redact.ts";
import { lineText, locationAt, type Diagnostic } from "./diagnostic.ts";
import { locateError } from "./locate-error.ts";
import { scanModule } from "./module-outline.ts";
import { toFile, type PipelineFile } from "./pipeline-files.ts";
import type { DagProblem } from "./validate-dags.ts";

function importDiagnostic(
  error: unknown,
  file: string,
  place: { file: string; line: number; column: number; text?: string },
): Diagnostic {
  const code = error instanceof BackflowError ? error.code : "IMPORT_FAILED";
  const named =
    error instanceof Error && !(error instanceof BackflowError)
      ? `${error.name}: ${error.message}`
      : errorMessage(error);
  const sourceLine =
    place.text === undefined ? undefined : lineText(place.text, place.line);
  const fields = (typeof error === "object" && error !== null ? error : {}) as {
    dagId?: unknown;
    taskId?: unknown;
  };
  const { dagId, taskId } = fields;
  return {
    severity: "error",
    phase: "import",
    code,
    file: place.file || file,
    line: place.line,
    column: place.column,
    message: redact(named),
    ...(sourceLine === undefined ? {} : { sourceLine }),
    ...(typeof dagId === "string" ? { dagId } : {}),
    ...(typeof taskId === "string" ? { taskId } : {}),
  };
}

/** An error thrown while `file` was imported, placed where it comes from. */
export async function failedImport(
  root: string,
  file: PipelineFile,
  error: unknown,
  byPath: ReadonlyMap<string, PipelineFile>,
): Promise<Diagnostic> {
  const place = await locateError(error, file, root);
  if (!place) {
    return importDiagnostic(error, file.file, {
      file: file.file,
      line: 0,
      column: 0,
    });
  }
  return importDiagnostic(error, file.file, {
    file: toFile(root, place.path),
    line: place.line,
    column: place.column,
    text: byPath.get(place.path)?.text,
  });
}

/** A validation problem, placed at its task, DAG option or DAG id. */
export async function problemDiagnostic(
  problem: DagProblem,
  file: PipelineFile | undefined,
): Promise<Diagnostic> {
  let line = 0;
  let column = 0;
  let sourceLine: string | undefined;
  if (file) {
    const outline = await scanModule(file.path, file.text).catch(() => null);
    const call = outline?.dagCall(problem.dagId);
    const node =
      (problem.taskId !== undefined &&
        outline?.taskCalls(problem.dagId, problem.taskId)[0]?.idNode) ||
      (problem.option !== undefined && call?.options.get(problem.option)) ||
      call?.idNode;
    if (node && outline) {
      ({ line, column } = locationAt(file.text, node.getStart(outline.source)));
      sourceLine = lineText(file.text, line);
    }
  }
  const task = problem.taskId === undefined ? "" : `, task "${problem.taskId}"`;
  return {
    severity: "error",
    phase: "validate",
    code: problem.code,
    file: problem.file,
    line,
    column,
    message: `DAG "${problem.dagId}"${task}: ${problem.message}`,
    ...(sourceLine === undefined ? {} : { sourceLine }),
    dagId: problem.dagId,
    ...(problem.taskId === undefined ? {} : { taskId: problem.taskId }),
  };
}
