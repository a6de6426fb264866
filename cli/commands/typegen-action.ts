/**
 * What `backflow typegen` does; `typegen.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { join, relative } from "node:path";

import { generateRowTypes } from "../../core/compiler/typegen/typegen.ts";
import { pipelinesDir } from "./pipelines-option.ts";

export interface TypegenOptions {
  pipelines?: string;
  json?: boolean;
}

export async function typegen(options: TypegenOptions): Promise<void> {
  const dir = pipelinesDir(options.pipelines);
  const result = await generateRowTypes(dir);
  const failed = result.failures.length > 0 || result.importErrors.length > 0;

  if (options.json) {
    const out = {
      ok: !failed,
      files: result.files,
      failures: result.failures,
      importErrors: result.importErrors.map((e) => ({
        file: e.file,
        message: e.message,
      })),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
  } else {
    const show = (file: string) => relative(process.cwd(), join(dir, file));
    const lines = result.files.map(
      (f) => `${f.changed ? "wrote    " : "unchanged"} ${show(f.file)}`,
    );
    for (const f of result.failures) {
      lines.push(
        `FAIL ${show(f.file)}: DAG "${f.dagId}", task "${f.taskId}": ` +
          f.message,
      );
    }
    for (const e of result.importErrors) {
      lines.push(`import error in ${show(e.file)}: ${e.message}`);
    }
    if (lines.length === 0) lines.push(`no source queries in ${dir}`);
    process.stdout.write(lines.join("\n") + "\n");
  }
  if (failed) process.exitCode = 1;
}
