/**
 * The metadata store's schema, as an ordered list of migrations. Each runs
 * once, in its own transaction, and is recorded in `backflow_migrations`.
 *
 * Never edit a released migration; add one with the next version. Each runs
 * inside a transaction, so statements that refuse one (CREATE INDEX
 * CONCURRENTLY) do not belong here.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const initialSchema = `
-- DAGs as the compiler serialized them, so that other processes (the
-- dashboard, workers) see them without loading user code.
create table dags (
  dag_id          text primary key,
  file_path       text not null,
  source_hash     text not null,
  serialized      jsonb not null,
  schedule        text,
  timezone        text not null default 'UTC',
  is_paused       boolean not null default false,
  updated_at      timestamptz not null default now()
);

-- A module that failed to import; every other DAG keeps running.
create table import_errors (
  file_path       text primary key,
  message         text not null,
  recorded_at     timestamptz not null default now()
);

create table dag_runs (
  id                  bigint generated always as identity primary key,
  dag_id              text not null,
  run_type            text not null
                      check (run_type in ('manual', 'scheduled', 'backfill')),
  logical_date        timestamptz not null,
  data_interval_start timestamptz,
  data_interval_end   timestamptz,
  state               text not null default 'queued'
                      check (state in ('queued', 'running', 'success',
                                       'failed')),
  conf                jsonb not null default '{}',
  queued_at           timestamptz not null default now(),
  started_at          timestamptz,
  ended_at            timestamptz,
  check ((data_interval_start is null) = (data_interval_end is null)),
  check (data_interval_start <= data_interval_end),
  check (run_type = 'manual' or data_interval_start is not null)
);
-- Creating a scheduled or backfill run is idempotent: one per interval.
create unique index dag_runs_interval_key
  on dag_runs (dag_id, data_interval_start, data_interval_end)
  where run_type <> 'manual';
create index dag_runs_recent on dag_runs (dag_id, logical_date desc, id desc);
create index dag_runs_active on dag_runs (dag_id)
  where state in ('queued', 'running');

-- One row per task of a run; its counters are those of the current try.
create table task_instances (
  run_id            bigint not null references dag_runs (id) on delete cascade,
  task_id           text not null,
  state             text not null default 'queued'
                    check (state in ('queued', 'running', 'success', 'failed',
                                     'up_for_retry', 'skipped',
                                     'upstream_failed')),
  try_number        integer not null default 0,
  max_tries         integer not null default 1,
  queued_at         timestamptz not null default now(),
  started_at        timestamptz,
  ended_at          timestamptz,
  heartbeat_at      timestamptz,
  next_try_at       timestamptz,
  worker            text,
  rows_read         bigint not null default 0,
  records_sent      bigint not null default 0,
  records_rejected  bigint not null default 0,
  error             text,
  error_code        text,
  primary key (run_id, task_id)
);
create index task_instances_running on task_instances (heartbeat_at)
  where state = 'running';

-- Every finished try of a task instance, for history and the dashboard.
create table task_tries (
  run_id            bigint not null,
  task_id           text not null,
  try_number        integer not null,
  state             text not null,
  started_at        timestamptz,
  ended_at          timestamptz not null default now(),
  worker            text,
  rows_read         bigint not null default 0,
  records_sent      bigint not null default 0,
  records_rejected  bigint not null default 0,
  error             text,
  error_code        text,
  primary key (run_id, task_id, try_number),
  foreign key (run_id, task_id)
    references task_instances (run_id, task_id) on delete cascade
);

-- The run log the dashboard shows: one typed event per row.
create table run_log (
  id          bigint generated always as identity primary key,
  run_id      bigint not null references dag_runs (id) on delete cascade,
  task_id     text,
  try_number  integer,
  ts          timestamptz not null default now(),
  level       text not null check (level in ('debug', 'info', 'warn', 'error')),
  event       text not null,
  fields      jsonb not null default '{}'
);
create index run_log_by_run on run_log (run_id, id);

-- Where an incremental task stands; the sync engine owns the value's shape
-- (cursor text, tie-breaker key, interval end …).
create table checkpoints (
  dag_id      text not null,
  task_id     text not null,
  value       jsonb not null,
  run_id      bigint references dag_runs (id) on delete set null,
  updated_at  timestamptz not null default now(),
  primary key (dag_id, task_id)
);

-- The hash of each profile as last acknowledged by Mixpanel, per task.
create table profile_hashes (
  dag_id      text not null,
  task_id     text not null,
  profile_id  text not null,
  hash        bytea not null,
  run_id      bigint references dag_runs (id) on delete set null,
  updated_at  timestamptz not null default now(),
  primary key (dag_id, task_id, profile_id)
);

-- Rows that could not be mapped, or that Mixpanel refused.
create table rejected_rows (
  id          bigint generated always as identity primary key,
  run_id      bigint not null references dag_runs (id) on delete cascade,
  task_id     text not null,
  try_number  integer,
  source      text not null check (source in ('mapping', 'local',
                                              'mixpanel')),
  row_key     text,
  field       text,
  reason      text not null,
  excerpt     jsonb,
  recorded_at timestamptz not null default now()
);
create index rejected_rows_by_task on rejected_rows (run_id, task_id, id);
`;

// The compiler publishes each pipelines folder as a whole: DAGs that left
// it are kept (runs, pause flag) but inactive, and an import error carries
// its diagnostics. Two folders may hold a module of the same name.
const compiledDags = `
alter table dags add column pipelines_dir text not null default '';
alter table dags add column is_active boolean not null default true;
alter table import_errors add column pipelines_dir text not null default '';
alter table import_errors add column source_hash text;
alter table import_errors add column diagnostics jsonb not null default '[]';
alter table import_errors drop constraint import_errors_pkey;
alter table import_errors add primary key (pipelines_dir, file_path);
`;

// The scheduler: a scheduled run that found its DAG busy under the "skip"
// overlap policy is kept as skipped (so it is never created again), and a
// task instance names the Mixpanel connection it sends to, so that caps
// per connection hold across scheduler processes.
const scheduler = `
alter table dag_runs drop constraint if exists dag_runs_state_check;
alter table dag_runs add constraint dag_runs_state_check
  check (state in ('queued', 'running', 'success', 'failed', 'skipped'));
alter table task_instances add column pool text;
create index task_instances_waiting on task_instances (run_id)
  where state in ('queued', 'up_for_retry');
`;

// Incremental sync: the ledger of acknowledged keys inside a cursor task's
// look-back window, the sets of properties a profile was last sent with
// (to know what a NULL may unset), and the life of a rejected row: open
// until the row is delivered, re-rejected (superseded), gone, or re-judged.
const incrementalSync = `
create table sync_ledger (
  dag_id      text not null,
  task_id     text not null,
  row_key     text not null,
  cursor_us   bigint not null,
  primary key (dag_id, task_id, row_key)
);
create index sync_ledger_window on sync_ledger (dag_id, task_id, cursor_us);

create table profile_property_sets (
  dag_id      text not null,
  task_id     text not null,
  props_key   bytea not null,
  names       text[] not null,
  primary key (dag_id, task_id, props_key)
);
alter table profile_hashes add column props_key bytea;

alter table rejected_rows add column cleared_at timestamptz;
alter table rejected_rows add column cleared_by_run bigint;
alter table rejected_rows add column clear_reason text
  check (clear_reason in ('delivered', 'superseded', 'gone', 'rejudged',
                          'reset'));
create index rejected_rows_open on rejected_rows (task_id, run_id)
  where cleared_at is null;
create index rejected_rows_cleared on rejected_rows (cleared_at)
  where cleared_at is not null;
create index run_log_ts on run_log (ts);
`;

// Distributed workers: each \`backflow worker\` process registers and beats
// here, so that the dashboard shows which are alive, and a lost one's jobs
// in the job engine (its \`queue_id\`) can be released.
const workers = `
create table workers (
  worker_id     text primary key,
  host          text not null,
  pid           integer not null,
  concurrency   integer not null,
  queue_id      text,
  state         text not null default 'running'
                check (state in ('running', 'stopping', 'stopped', 'lost')),
  started_at    timestamptz not null default now(),
  heartbeat_at  timestamptz not null default now(),
  stopped_at    timestamptz
);
create index task_instances_by_worker on task_instances (worker)
  where state = 'running';
`;

// Run cancellation: `backflow cancel` records the request on the run;
// schedulers and workers honour it (no new task starts, running ones stop
// at their next heartbeat), close its task instances as `cancelled`, and
// end the run `cancelled`: a state of its own, so that neither retries,
// `run_failed` webhooks nor `run_recovered` take it for a failure.
const runCancellation = `
alter table dag_runs add column cancel_requested_at timestamptz;
alter table dag_runs drop constraint if exists dag_runs_state_check;
alter table dag_runs add constraint dag_runs_state_check
  check (state in ('queued', 'running', 'success', 'failed', 'skipped',
                   'cancelled'));
alter table task_instances drop constraint if exists task_instances_state_check;
alter table task_instances add constraint task_instances_state_check
  check (state in ('queued', 'running', 'success', 'failed', 'up_for_retry',
                   'skipped', 'upstream_failed', 'cancelled'));
`;

/** Every migration, oldest first. Versions are 1, 2, 3 … without gaps. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: "initial schema", sql: initialSchema },
  { version: 2, name: "compiled dags", sql: compiledDags },
  { version: 3, name: "scheduler", sql: scheduler },
  { version: 4, name: "incremental sync", sql: incrementalSync },
  { version: 5, name: "workers", sql: workers },
  { version: 6, name: "run cancellation", sql: runCancellation },
]);
