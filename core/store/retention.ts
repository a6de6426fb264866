/**
 * Retention: the store forgets old history so that it does not grow
 * forever. After the retention period (default: 30 days, from
 * `BACKFLOW_RETENTION_DAYS`):
 * - run-log entries are deleted;
 * - cleared rejections are deleted (open ones are kept: they are work
 *   still to do);
 * - finished runs are deleted with their task instances, unless an open
 *   rejection still points at them.
 * Checkpoints, ledgers and profile hashes are state, not history: they are
 * never pruned (see `backflow reset`).
 */
import { ConfigError } from "../errors.ts";
import type { StoreDb } from "./store-db.ts";

export const DEFAULT_RETENTION_DAYS = 30;

export interface PruneCounts {
  runs: number;
  logEntries: number;
  rejections: number;
}

/**
 * The retention period in days from the environment; 0 turns pruning off.
 * @throws ConfigError for a value that is not a whole number
 */
export function retentionDaysFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw = env.BACKFLOW_RETENTION_DAYS?.trim();
  if (raw === undefined || raw === "") return DEFAULT_RETENTION_DAYS;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 0) {
    throw new ConfigError(
      `BACKFLOW_RETENTION_DAYS must be a whole number of days (0 keeps ` +
        `everything), got "${raw}"`,
    );
  }
  return days;
}

/** Deletes history older than `days` before `now`; 0 days prunes nothing. */
export async function pruneHistory(
  db: StoreDb,
  days: number,
  now: Date = new Date(),
): Promise<PruneCounts> {
  if (days <= 0) return { runs: 0, logEntries: 0, rejections: 0 };
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const [row] = await db.rows<PruneCounts>(
    "pruning old history",
    `with log as (
       delete from run_log where ts < $1 returning 1
     ), rejections as (
       delete from rejected_rows where cleared_at < $1 returning 1
     ), runs as (
       delete from dag_runs d
        where d.state in ('success', 'failed', 'skipped', 'cancelled')
          and coalesce(d.ended_at, d.queued_at) < $1
          and not exists (select 1 from rejected_rows r
                           where r.run_id = d.id and r.cleared_at is null)
       returning 1
     )
     select (select count(*) from runs)::int as runs,
            (select count(*) from log)::int as "logEntries",
            (select count(*) from rejections)::int as rejections`,
    [cutoff],
  );
  return row!;
}
