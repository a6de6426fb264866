/**
 * `backflow db status | start | stop`: the project's embedded PostgreSQL,
 * which holds the metadata store when BACKFLOW_DATABASE_URL is unset. It
 * starts on demand, is shared by every backflow process of the project,
 * and runs until `backflow db stop`.
 */
import type { Command } from "commander";
import {
  embeddedServerStatus,
  stopEmbeddedServer,
  type EmbeddedServerStatus,
} from "../../core/store/embedded/server-control.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { redactUrl } from "../../core/util/redact.ts";

interface DbOptions {
  json?: boolean;
  projectDir?: string;
}

function externalUrl(): string | undefined {
  const url = process.env.BACKFLOW_DATABASE_URL;
  return url ? redactUrl(url) : undefined;
}

function print(options: DbOptions, json: unknown, lines: string[]): void {
  const text = options.json ? JSON.stringify(json, null, 2) : lines.join("\n");
  process.stdout.write(text + "\n");
}

function statusLines(status: EmbeddedServerStatus): string[] {
  const state = status.accepting
    ? "running"
    : status.running
      ? "running, not answering yet"
      : status.initialised
        ? "stopped"
        : "not created yet (the first command that needs it creates it)";
  const lines = [`embedded PostgreSQL: ${state}`];
  const rows: [string, string | number | undefined][] = [
    ["url", status.url],
    ["pid", status.pid],
    ["port", status.port],
    ["data dir", status.dataDir],
    ["log", status.logFile],
  ];
  for (const [label, value] of rows) {
    if (value !== undefined)
      lines.push(`  ${(label + ":").padEnd(10)}${value}`);
  }
  return lines;
}

async function status(options: DbOptions): Promise<void> {
  const embedded = await embeddedServerStatus(options.projectDir);
  const external = externalUrl();
  const lines = statusLines(embedded);
  if (external) {
    lines.unshift(`metadata store: BACKFLOW_DATABASE_URL (${external})`);
  }
  print(
    options,
    { store: external ? "external" : "embedded", external, embedded },
    lines,
  );
}

async function start(options: DbOptions): Promise<void> {
  const store = await openStore({
    ...(options.projectDir ? { projectDir: options.projectDir } : {}),
  });
  await store.close();
  await status(options);
}

async function stop(options: DbOptions): Promise<void> {
  const pid = await stopEmbeddedServer(
    options.projectDir ? { projectDir: options.projectDir } : {},
  );
  print(options, { stopped: pid !== undefined, pid: pid ?? null }, [
    pid === undefined
      ? "embedded PostgreSQL: not running"
      : `embedded PostgreSQL: stopped (pid ${pid})`,
  ]);
}

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
    .action(status);
  common(db.command("start"))
    .description("start the embedded server (and migrate the store)")
    .action(start);
  common(db.command("stop"))
    .description("stop the embedded server")
    .action(stop);
}
