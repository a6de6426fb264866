/**
 * What `backflow db` does; `db.ts` defines the command and loads this
 * module only when the command runs, so `--help` stays fast.
 */
import {
  embeddedServerStatus,
  stopEmbeddedServer,
  type EmbeddedServerStatus,
} from "../../core/store/embedded/server-control.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import { redactUrl } from "../../core/util/redact.ts";

export interface DbOptions {
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

export async function status(options: DbOptions): Promise<void> {
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

export async function start(options: DbOptions): Promise<void> {
  const store = await openStore({
    ...(options.projectDir ? { projectDir: options.projectDir } : {}),
  });
  await store.close();
  await status(options);
}

export async function stop(options: DbOptions): Promise<void> {
  const pid = await stopEmbeddedServer(
    options.projectDir ? { projectDir: options.projectDir } : {},
  );
  print(options, { stopped: pid !== undefined, pid: pid ?? null }, [
    pid === undefined
      ? "embedded PostgreSQL: not running"
      : `embedded PostgreSQL: stopped (pid ${pid})`,
  ]);
}
