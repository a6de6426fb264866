/**
 * `backflow init [dir]`: starts a project of the user's own, outside this
 * checkout: package.json depending on backflow, an example pipeline,
 * `.env.example`, `.gitignore`, a README. Writes nothing if any of those
 * files exists already.
 */
import type { Command } from "commander";
import type { InitOptions } from "./init-action.ts";

export function register(program: Command): void {
  program
    .command("init")
    .description("start a pipelines project of your own in <dir>")
    .argument("[dir]", "the project folder (default: the current one)", ".")
    .option(
      "--dependency <spec>",
      "how package.json asks for backflow, e.g. ^0.1.0 " +
        "(default: file:<this checkout>, which works offline)",
    )
    .action(async (dirArg: string, options: InitOptions) => {
      const { init } = await import("./init-action.ts");
      await init(dirArg, options);
    });
}
