/**
 * `backflow run <dag>`: runs a DAG once, now, in this process.
 */
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.ts";

interface RunOptions {
  task: string[];
  pipelines?: string;
  dryRun?: boolean;
  dryRunDir?: string;
  json?: boolean;
  start?: string;
  end?: string;
  fullRefresh?: boolean;
}

function parseDate(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${flag} "${value}" is not a date; use ISO 8601 such as 2024-01-31 or 2024-01-31T12:00:00Z`,
    );
  }
  return date;
}

function interval(options: RunOptions) {
  const start = parseDate(options.start, "--start");
  const end = parseDate(options.end, "--end");
  if (!start && !end) return undefined;
  if (!start || !end) {
    throw new UsageError("give --start and --end together");
  }
  if (start >= end) throw new UsageError("--start must be before --end");
  return { start, end };
}

export function register(program: Command): void {
  program
    .command("run")
    .description("run a DAG once, now")
    .argument("<dag>", "the DAG id")
    .option(
      "--task <id>",
      "run only this task (repeatable)",
      (v: string, all: string[]) => [...all, v],
      [],
    )
    .option("--pipelines <dir>", "folder of pipeline modules")
    .option("--dry-run", "send nothing; write the request bodies to a folder")
    .option(
      "--dry-run-dir <dir>",
      "where --dry-run writes (default: .backflow/dry-run/<dag>)",
    )
    .option("--start <date>", "data interval start (with --end)")
    .option("--end <date>", "data interval end (with --start)")
    .option("--json", "print the summary as JSON")
    .option(
      "--full-refresh",
      "sync tasks forget their checkpoint and hashes and send everything",
    )
    .action(async (dagId: string, options: RunOptions) => {
      // Loaded only when the command runs, so `--help` stays fast.
      const [
        { runDag },
        { progressMode, startRunProgress },
        { summaryText },
        { findDag, pipelinesDir },
        { publishPipelines },
        { openRecorder },
        { runTuningFromEnv },
        { pruneHistory, retentionDaysFromEnv },
        { storeSyncState },
      ] = await Promise.all([
        import("../../core/runner/run-dag.ts"),
        import("../render/run-progress.ts"),
        import("../render/run-summary.ts"),
        import("./pipelines-option.ts"),
        import("./publish-pipelines.ts"),
        import("./recorder.ts"),
        import("../../core/runner/run-tuning.ts"),
        import("../../core/store/retention.ts"),
        import("../../core/sync/task-state.ts"),
      ]);
      const { dag, loaded } = await findDag(
        pipelinesDir(options.pipelines),
        dagId,
      );
      const range = interval(options);

      let dryRunDir: string | undefined;
      if (options.dryRun || options.dryRunDir) {
        dryRunDir = resolve(
          options.dryRunDir ?? join(".backflow", "dry-run", dag.id),
        );
        // Request bodies hold warehouse data: owner-only folders.
        await mkdir(dryRunDir, { recursive: true, mode: 0o700 });
      }

      const progress = startRunProgress(progressMode(options.json));
      const listener = progress.listener;
      if (!dryRunDir) await publishPipelines(loaded);
      const tuning = runTuningFromEnv();
      const recorder = dryRunDir ? undefined : await openRecorder();
      try {
        if (recorder) {
          await pruneHistory(recorder.store.db, retentionDaysFromEnv());
        }
        const summary = await runDag(dag, {
          taskIds: options.task,
          listener,
          clientOptions: tuning.clientOptions,
          ...(tuning.pageSize ? { pageSize: tuning.pageSize } : {}),
          ...(recorder
            ? { syncState: storeSyncState(recorder.store.sync) }
            : {}),
          ...(options.fullRefresh ? { fullRefresh: true } : {}),
          ...(dryRunDir ? { dryRunDir } : {}),
          ...(range ? { interval: range } : {}),
          ...(recorder ? { recorder: recorder.recorder } : {}),
        }).finally(() => progress.stop());
        if (options.json) {
          process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
        } else {
          process.stdout.write(summaryText(summary) + "\n");
        }
        if (summary.state !== "success") process.exitCode = 1;
      } finally {
        await recorder?.close();
      }
    });
}
