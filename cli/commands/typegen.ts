/**
 * `backflow typegen`: writes the row type of every source query, as
 * PostgreSQL describes its result, next to each pipeline module.
 */
import type { Command } from "commander";
import type { TypegenOptions } from "./typegen-action.ts";

export function register(program: Command): void {
  program
    .command("typegen")
    .description(
      "write each source query's row type (<module>.rows.ts), as " +
        "PostgreSQL describes it",
    )
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--json", "print JSON")
    .action(async (options: TypegenOptions) => {
      const { typegen } = await import("./typegen-action.ts");
      await typegen(options);
    });
}
