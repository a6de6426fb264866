import type { Command } from "commander";
import { register as registerCheck } from "./check.ts";
import { register as registerDb } from "./db.ts";
import { register as registerEmulator } from "./emulator.ts";
import { register as registerGraph } from "./graph.ts";
import { register as registerList } from "./list.ts";
import { register as registerRun } from "./run.ts";
import { register as registerTypegen } from "./typegen.ts";

/** Adds every subcommand to the program. One line per command module. */
export function registerCommands(program: Command): void {
  void program;
  registerCheck(program);
  registerDb(program);
  registerEmulator(program);
  registerGraph(program);
  registerList(program);
  registerRun(program);
  registerTypegen(program);
}
