/**
 * What `backflow backfill` does; `backfill.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
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

export interface BackfillOptions {
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

export async function backfill(
  dagId: string,
  options: BackfillOptions,
): Promise<void> {
  const store = await openStore();
  try {
    const dag = await storedDag(store, pipelinesDir(options.pipelines), dagId);
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
    const intervals = backfillIntervals(schedule, from, to, MAX_INTERVALS + 1);
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
      existing.map((r) => [key(r.dataIntervalStart!, r.dataIntervalEnd!), r]),
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
}
