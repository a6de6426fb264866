import type { Command } from "commander";
import { register as registerBackfill } from "./backfill.ts";
import { register as registerCancel } from "./cancel.ts";
import { register as registerCheck } from "./check.ts";
import { register as registerDashboard } from "./dashboard.ts";
import { register as registerDb } from "./db.ts";
import { register as registerDemo } from "./demo.ts";
import { register as registerEmulator } from "./emulator.ts";
import { register as registerGraph } from "./graph.ts";
import { register as registerInit } from "./init.ts";
import { register as registerList } from "./list.ts";
import { register as registerPause } from "./pause.ts";
import { register as registerRejects } from "./rejects.ts";
import { register as registerReset } from "./reset.ts";
import { register as registerRun } from "./run.ts";
import { register as registerRuns } from "./runs.ts";
import { register as registerScheduler } from "./scheduler.ts";
import { register as registerTrigger } from "./trigger.ts";
import { register as registerTypegen } from "./typegen.ts";
import { register as registerWorker } from "./worker.ts";

/** Adds every subcommand to the program. One line per command module. */
export function registerCommands(program: Command): void {
  void program;
  registerBackfill(program);
  registerCancel(program);
  registerCheck(program);
  registerDashboard(program);
  registerDb(program);
  registerDemo(program);
  registerEmulator(program);
  registerGraph(program);
  registerInit(program);
  registerList(program);
  registerPause(program);
  registerRejects(program);
  registerReset(program);
  registerRun(program);
  registerRuns(program);
  registerScheduler(program);
  registerTrigger(program);
  registerTypegen(program);
  registerWorker(program);
}
