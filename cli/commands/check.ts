/**
 * `backflow check`: type-checks, imports and validates every pipeline
 * module, and with `--connections` proves each connection works, without
 * writing anything anywhere.
 */
import type { Command } from "commander";
import type { CheckOptions } from "./check-action.ts";

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
      const { check } = await import("./check-action.ts");
      await check(options);
    });
}
