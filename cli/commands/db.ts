/**
 * `backflow db status | start | stop`: the project's embedded PostgreSQL,
 * which holds the metadata store when BACKFLOW_DATABASE_URL is unset. It
 * starts on demand, is shared by every backflow process of the project,
 * and runs until `backflow db stop`.
 */
import type { Command } from "commander";
import type { DbOptions } from "./db-action.ts";

const load = () => import("./db-action.ts");

export function register(program: Command): void {
  const db = program
    .command("db")
    .description("the embedded PostgreSQL that holds the metadata store");

  const common = (command: Command) =>
    command
      .option("--json", "print JSON")
      .option("--project-dir <dir>", "the project (default: current folder)");

  common(db.command("status"))
    .description("show the embedded server: url, pid, port, data folder")
    .action(async (o: DbOptions) => (await load()).status(o));
  common(db.command("start"))
    .description("start the embedded server (and migrate the store)")
    .action(async (o: DbOptions) => (await load()).start(o));
  common(db.command("stop"))
    .description("stop the embedded server")
    .action(async (o: DbOptions) => (await load()).stop(o));
}
