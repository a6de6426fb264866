/**
 * The `backflow` command line. Each subcommand lives in `cli/commands/` and
 * registers itself on the program here.
 *
 * Exit codes: 0 ok, 1 a task or check failed, 2 usage or configuration error.
 */
import { Command, CommanderError } from "commander";
import { BackflowError, errorMessage } from "../core/errors.ts";
import { redact } from "../core/util/redact.ts";
import { registerCommands } from "./commands/index.ts";

const program = new Command("backflow")
  .description(
    "DAG-as-code pipelines that keep Mixpanel in sync with a Postgres warehouse",
  )
  .version(process.env.npm_package_version ?? "0.1.0")
  .exitOverride()
  .configureOutput({
    writeErr: (text) => process.stderr.write(redact(text)),
  });

registerCommands(program);

function exitCodeFor(error: unknown): number {
  if (error instanceof BackflowError) {
    return error.code === "USAGE" || error.code === "CONFIG_INVALID" ? 2 : 1;
  }
  return 1;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`backflow: ${redact(errorMessage(error))}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
