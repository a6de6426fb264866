/**
 * Run cancellation, as `backflow cancel` asks for it and every scheduler
 * and worker honours it (local or distributed alike, since all of them
 * read it from the store).
 *
 * Cancel rule:
 * 1. A queued run has no task instances yet: it ends `cancelled` at once.
 * 2. A running run keeps its state and records the request
 *    (`cancel_requested_at`). From then on no claim takes its tasks (the
 *    scheduler's pick and the worker's claim both skip it), a running task
 *    sees the request at its next heartbeat and stops through its signal
 *    (its try ends `cancelled`, never retried), the scheduler's next pass
 *    closes its waiting instances as `cancelled`, and once nothing of it
 *    runs, ends the run `cancelled`.
 * 3. A run that already ended is refused: there is nothing to stop.
 * The request is taken under the scheduling lock, so no claim of the run's
 * tasks is half-way through when it lands.
 */
import type pg from "pg";

import { BackflowError } from "../errors.ts";
import { RUN_COLUMNS } from "../store/columns.ts";
import type { DagRun } from "../store/records.ts";
import { rows, withSchedulingLock, type Queryable } from "./transaction.ts";

/** A cancel that the run's state does not allow, or of no such run. */
export class CancelRefusedError extends BackflowError {
  constructor(message: string) {
    super("ACTION_REFUSED", message);
  }
}

export interface CancelledRun {
  /** The run after the request (`cancelled`, or still `running`). */
  readonly run: DagRun;
  /** What it was: a queued run is cancelled outright (rule 1). */
  readonly was: "queued" | "running";
}

/**
 * Cancels run `runId` of the DAG, or every queued or running run of it;
 * returns the runs it cancelled (none when the DAG has no active run).
 *
 * @throws CancelRefusedError for a `runId` the DAG lacks or that ended
 */
export async function cancelRuns(
  pool: pg.Pool,
  dagId: string,
  runId: number | undefined,
  now: Date,
): Promise<CancelledRun[]> {
  // A refusal leaves the lock's transaction as a value: an error thrown
  // inside would come out as a store failure.
  const outcome = await withSchedulingLock(
    pool,
    "cancelling runs",
    async (client): Promise<{ refused: string } | { runs: DagRun[] }> => {
      if (runId !== undefined) {
        const [run] = await rows<DagRun>(
          client,
          "reading the run to cancel",
          `select ${RUN_COLUMNS} from dag_runs where id = $1 and dag_id = $2`,
          [runId, dagId],
        );
        if (!run) {
          return {
            refused:
              `DAG "${dagId}" has no run ${runId}; ` +
              `\`backflow runs ${dagId}\` lists its runs`,
          };
        }
        if (run.state !== "queued" && run.state !== "running") {
          return {
            refused:
              `run ${runId} of DAG "${dagId}" already ended (${run.state}); ` +
              `only a queued or running run can be cancelled`,
          };
        }
      }

      // Rules 1–2 in one statement: a run that a scheduler finishes at the
      // same moment is re-read by the update and left alone.
      const runs = await rows<DagRun>(
        client,
        "cancelling runs",
        `update dag_runs
            set cancel_requested_at = coalesce(cancel_requested_at, $3),
                state = case when state = 'queued' then 'cancelled'
                             else state end,
                ended_at = case when state = 'queued' then $3
                                else ended_at end
          where dag_id = $1 and ($2::bigint is null or id = $2)
            and state in ('queued', 'running')
         returning ${RUN_COLUMNS}`,
        [dagId, runId ?? null, now],
      );
      return { runs };
    },
  );
  if ("refused" in outcome) throw new CancelRefusedError(outcome.refused);
  return outcome.runs
    .sort((a, b) => a.id - b.id)
    .map((run) => ({
      run,
      was: run.state === "cancelled" ? "queued" : "running",
    }));
}

/** Which of these runs are being cancelled. */
export async function cancelRequested(
  db: Queryable,
  runIds: readonly number[],
): Promise<Set<number>> {
  if (runIds.length === 0) return new Set();
  const found = await rows<{ id: number }>(
    db,
    "reading cancel requests",
    `select id from dag_runs
      where id = any($1::bigint[]) and cancel_requested_at is not null`,
    [runIds],
  );
  return new Set(found.map((r) => r.id));
}
