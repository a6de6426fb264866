/**
 * `backflow runs [dag] [--json]`: recent runs, newest first, with their
 * tasks' states.
 */
import type { Command } from "commander";
import type { RunState } from "../../core/store/records.ts";
import type { RunsOptions } from "./runs-action.ts";

export const STATES: readonly RunState[] = [
  "queued",
  "running",
  "success",
  "failed",
  "skipped",
  "cancelled",
];

export function register(program: Command): void {
  program
    .command("runs")
    .description("list recent runs, newest first")
    .argument("[dag]", "only this DAG's runs")
    .option("--state <state>", `only runs in this state (${STATES.join(", ")})`)
    .option("--limit <n>", "at most this many runs", "20")
    .option("--json", "print JSON")
    .action(async (dagId: string | undefined, options: RunsOptions) => {
      const { runs } = await import("./runs-action.ts");
      await runs(dagId, options);
    });
}
