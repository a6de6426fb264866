import type { Command } from "commander";
import { register as registerDb } from "./db.ts";
import { register as registerEmulator } from "./emulator.ts";
import { register as registerList } from "./list.ts";
import { register as registerRun } from "./run.ts";

/** Adds every subcommand to the program. One line per command module. */
export function registerCommands(program: Command): void {
  void program;
  registerDb(program);
  registerEmulator(program);
  registerList(program);
  registerRun(program);
}
