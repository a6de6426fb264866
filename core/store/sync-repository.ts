/**
 * What the sync engines remember between runs, per DAG and task:
 * checkpoints and look-back ledgers, profile hashes, and the open rejected
 * rows every run retries.
 */
import { CheckpointRepository } from "./checkpoint-repository.ts";
import { OpenRejectionRepository } from "./open-rejection-repository.ts";
import { ProfileHashRepository } from "./profile-hash-repository.ts";
import type { StoreDb } from "./store-db.ts";

export type * from "./checkpoint-repository.ts";
export type * from "./open-rejection-repository.ts";
export type * from "./profile-hash-repository.ts";

/** What `reset` removed. */
export interface ResetCounts {
  checkpoints: number;
  ledger: number;
  profiles: number;
  rejections: number;
}

export class SyncRepository {
  readonly checkpoints: CheckpointRepository;
  readonly hashes: ProfileHashRepository;
  readonly rejections: OpenRejectionRepository;

  constructor(private readonly db: StoreDb) {
    this.checkpoints = new CheckpointRepository(db);
    this.hashes = new ProfileHashRepository(db);
    this.rejections = new OpenRejectionRepository(db);
  }

  /** A task's checkpoint (undefined before its first keyed run). */
  checkpoint(dagId: string, taskId: string): Promise<unknown> {
    return this.checkpoints.get(dagId, taskId);
  }

  /** Forgets everything a task remembers; open rejections are cleared. */
  async resetTask(
    dagId: string,
    taskId: string,
    runId: number | null = null,
  ): Promise<ResetCounts> {
    const [row] = await this.db.rows<ResetCounts>(
      "resetting a task",
      `with c as (
         delete from checkpoints where dag_id = $1 and task_id = $2
         returning 1
       ), l as (
         delete from sync_ledger where dag_id = $1 and task_id = $2
         returning 1
       ), h as (
         delete from profile_hashes where dag_id = $1 and task_id = $2
         returning 1
       ), s as (
         delete from profile_property_sets
          where dag_id = $1 and task_id = $2
       ), r as (
         update rejected_rows x
            set cleared_at = now(), clear_reason = 'reset',
                cleared_by_run = $3
           from dag_runs d
          where d.id = x.run_id and d.dag_id = $1 and x.task_id = $2
            and x.cleared_at is null
         returning 1
       )
       select (select count(*) from c)::int as checkpoints,
              (select count(*) from l)::int as ledger,
              (select count(*) from h)::int as profiles,
              (select count(*) from r)::int as rejections`,
      [dagId, taskId, runId],
    );
    return row!;
  }
}
