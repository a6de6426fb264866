/**
 * `backflow emulator`: runs the local Mixpanel emulator until SIGINT or
 * SIGTERM. The first line on stdout is its base URL, so scripts can read
 * it; secrets are never printed.
 *
 * With no `--token`, one project with token "demo-token" (project id 1)
 * is served.
 */
import type { Command } from "commander";
import type { EmulatorFlags } from "./emulator-options.ts";

const collect = (value: string, all: string[]) => [...all, value];

export function register(program: Command): void {
  program
    .command("emulator")
    .description("run a local Mixpanel-compatible API for tests and dry runs")
    .option("--port <n>", "port to listen on; 0 picks a free one", "0")
    .option("--host <host>", "interface to bind", "127.0.0.1")
    .option("--token <token>", "project token (repeatable)", collect, [])
    .option("--project-id <id>", "numeric id of the first project")
    .option("--api-secret <secret>", "legacy API secret of the first project")
    .option(
      "--service-account <user:secret>",
      "service account of the first project (repeatable)",
      collect,
      [],
    )
    .option("--identity <mode>", "simplified or original", "simplified")
    .option(
      "--group-key <key>",
      "configured group key (repeatable)",
      collect,
      [],
    )
    .option("--fault-429-rate <r>", "share of requests answered 429 (0..1)")
    .option("--retry-after <s>", "Retry-After seconds on injected 429s", "1")
    .option("--fault-5xx-rate <r>", "share of requests answered 5xx (0..1)")
    .option("--fault-5xx-status <n>", "status of injected 5xx", "503")
    .option("--latency <ms>", "delay added to every request")
    .option("--reset-before-rate <r>", "share reset before being applied")
    .option("--reset-after-rate <r>", "share reset after being applied")
    .option("--rate-limit <n>", "records per second before 429s")
    .option("--faults <json>", "a whole fault plan as JSON")
    .option("--seed <n>", "seed for fault rolls")
    .option("--timing", "count records only: no validation or storage")
    .option("--spool-dir <dir>", "in timing mode, write bodies here")
    .option("--accept-profile-gzip", "accept gzip on /engage and /groups")
    .option("--unknown-token <mode>", "drop (as Mixpanel) or error", "drop")
    .action(async (flags: EmulatorFlags) => {
      const { run } = await import("./emulator-action.ts");
      await run(flags);
    });
}
