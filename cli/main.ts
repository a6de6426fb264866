/**
 * The `backflow` command line. Each subcommand lives in `cli/commands/` and
 * registers itself on the program here.
 *
 * Exit codes: 0 ok, 1 a task or check failed, 2 usage or configuration error.
 */
import { Command, CommanderError } from "commander";
import { BackflowError, errorMessage } from "../core/errors.ts";
import { redact, registerEnvironmentSecrets } from "../core/util/redact.ts";
import { checkLogLevel } from "../core/util/log.ts";
import { registerCommands } from "./commands/index.ts";
import { isHelpRequest, rememberHelp } from "./help-cache.js";

// Before anything can print a secret, even a crash of user code.
registerEnvironmentSecrets();
process.on("uncaughtException", (error) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : error;
  process.stderr.write(`backflow: crashed: ${redact(String(text))}\n`);
  process.exit(1);
});

/** What commander printed on stdout, kept for the help cache. */
let shown = "";

const program = new Command("backflow")
  .description(
    "DAG-as-code pipelines that keep Mixpanel in sync with a Postgres warehouse",
  )
  .version(process.env.npm_package_version ?? "0.1.0")
  .exitOverride()
  .configureOutput({
    writeOut: (text) => {
      shown += text;
      process.stdout.write(text);
    },
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
  checkLogLevel();
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
    const args = process.argv.slice(2);
    const help =
      error.code === "commander.helpDisplayed" ||
      error.code === "commander.help";
    if (help && error.exitCode === 0 && isHelpRequest(args)) {
      rememberHelp(args, shown);
    }
  } else {
    process.stderr.write(`backflow: ${redact(errorMessage(error))}\n`);
    process.exitCode = exitCodeFor(error);
  }
}
