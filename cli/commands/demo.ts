/**
 * `backflow demo`: the main job on a fresh machine. Builds a sample shop
 * warehouse on the embedded PostgreSQL, starts the Mixpanel emulator in
 * this process (or uses a real project with `--to-mixpanel`), runs
 * `pipelines/shop.ts` once with live progress, and ends with what reached
 * Mixpanel, what was rejected and why, and what to try next.
 */
import type { Command } from "commander";
import type { DemoOptions } from "./demo-action.ts";

export function register(program: Command): void {
  program
    .command("demo")
    .description(
      "build a sample shop warehouse and sync it to a local Mixpanel " +
        "emulator, then show what arrived and what was rejected",
    )
    .option(
      "--to-mixpanel",
      "send to the real project in MIXPANEL_* variables, not the emulator",
    )
    .option("--fresh", "rebuild the shop and send everything again")
    .option("--json", "print the outcome as JSON")
    .action(async (options: DemoOptions) => {
      const { demo } = await import("./demo-action.ts");
      await demo(options);
    });
}
