/**
 * `backflow backfill <dag> --from <date> --to <date> [--dry-run]`: queues a
 * run for every interval of the DAG's schedule inside the range. Intervals
 * that already have a run (scheduled or backfill) keep it; nothing runs
 * twice. A running `backflow scheduler` executes the runs, oldest first,
 * within the DAG's maxActiveRuns.
 *
 * Dates without a zone are read in the DAG's time zone; a date alone is
 * its midnight.
 */
import type { Command } from "commander";

import { BackflowError, UsageError } from "../../core/errors.ts";
import {
  backfillIntervals,
  createBackfill,
} from "../../core/scheduler/backfill.ts";
import { databaseClock } from "../../core/scheduler/clock.ts";
import { existingRuns } from "../../core/scheduler/run-queue.ts";
import { parseZonedDate } from "../../core/scheduler/zone-time.ts";
import { openStore } from "../../core/store/metadata-store.ts";
import type { DagRun } from "../../core/store/records.ts";
import { pipelinesDir } from "./pipelines-option.ts";
import { scheduleOf, storedDag } from "./stored-dag.ts";

const MAX_INTERVALS = 10_000;

interface BackfillOptions {
  from: string;
  to: string;
  dryRun?: boolean;
  json?: boolean;
  pipelines?: string;
}

function date(text: string, flag: string, zone: string): Date {
  const parsed = parseZonedDate(text, zone);
  if (!parsed) {
    throw new UsageError(
      `${flag} "${text}" is not a date; use 2024-01-31, ` +
        `2024-01-31T06:00 (in the DAG's zone ${zone}) or 2024-01-31T06:00:00Z`,
    );
  }
  return parsed;
}

const key = (start: Date, end: Date) =>
  `${start.toISOString()}/${end.toISOString()}`;

export function register(program: Command): void {
  program
    .command("backfill")
    .description("queue runs for the intervals of a past date range")
    .argument("<dag>", "the DAG id")
    .requiredOption("--from <date>", "first interval starts at or after this")
    .requiredOption("--to <date>", "last interval ends at or before this")
    .option("--dry-run", "list the intervals; create nothing")
    .option("--json", "print JSON")
    .option("--pipelines <dir>", "folder of pipeline modules")
    .action(async (dagId: string, options: BackfillOptions) => {
      const store = await openStore();
      try {
        const dag = await storedDag(
          store,
          pipelinesDir(options.pipelines),
          dagId,
        );
        const schedule = scheduleOf(dag);
        if (!schedule) {
          throw new UsageError(
            `DAG "${dag.dagId}" has no schedule, so it has no intervals to ` +
              `backfill; use \`backflow trigger ${dag.dagId}\``,
          );
        }
        const from = date(options.from, "--from", dag.timezone);
        const to = date(options.to, "--to", dag.timezone);
        if (from >= to) throw new UsageError("--from must be before --to");
        const intervals = backfillIntervals(
          schedule,
          from,
          to,
          MAX_INTERVALS + 1,
        );
        if (intervals.length > MAX_INTERVALS) {
          throw new BackflowError(
            "USAGE",
            `the range holds more than ${MAX_INTERVALS} intervals of ` +
              `"${dag.schedule}"; backfill it in smaller ranges`,
          );
        }

        let created: DagRun[] = [];
        let existing: DagRun[];
        if (options.dryRun) {
          existing = await existingRuns(store.pool, dag.dagId, intervals);
        } else {
          const clock = databaseClock(store.pool);
          await clock.sync!();
          ({ created, existing } = await createBackfill(
            store.pool,
            dag.dagId,
            intervals,
            clock.now(),
          ));
        }
        const byInterval = new Map(
          existing.map((r) => [
            key(r.dataIntervalStart!, r.dataIntervalEnd!),
            r,
          ]),
        );
        const rows = intervals.map((i) => {
          const run = byInterval.get(key(i.start, i.end));
          return {
            start: i.start.toISOString(),
            end: i.end.toISOString(),
            existingRun: run
              ? { id: run.id, runType: run.runType, state: run.state }
              : null,
          };
        });

        if (options.json) {
          const out = {
            dagId: dag.dagId,
            dryRun: Boolean(options.dryRun),
            intervals: rows,
            created: created.map((r) => r.id),
          };
          process.stdout.write(JSON.stringify(out, null, 2) + "\n");
          return;
        }
        for (const row of rows) {
          const note = row.existingRun
            ? `has run ${row.existingRun.id} (${row.existingRun.runType}, ${row.existingRun.state})`
            : options.dryRun
              ? "would be queued"
              : "queued";
          process.stdout.write(`${row.start} → ${row.end}  ${note}\n`);
        }
        const fresh = rows.filter((r) => !r.existingRun).length;
        process.stdout.write(
          options.dryRun
            ? `${intervals.length} interval(s); ${fresh} would be queued (dry run: nothing created)\n`
            : `${created.length} run(s) queued, ${existing.length} interval(s) already had one; ` +
                `a running \`backflow scheduler\` executes them\n`,
        );
      } finally {
        await store.close();
      }
    });
}
