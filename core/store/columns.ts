/**
 * Select lists that name every column in camelCase, so a row comes back
 * already shaped as its record type.
 */
export const RUN_COLUMNS = `
  id, dag_id as "dagId", run_type as "runType",
  logical_date as "logicalDate",
  data_interval_start as "dataIntervalStart",
  data_interval_end as "dataIntervalEnd",
  state, conf, queued_at as "queuedAt", started_at as "startedAt",
  ended_at as "endedAt"`;

export const TASK_COLUMNS = `
  run_id as "runId", task_id as "taskId", state,
  try_number as "tryNumber", max_tries as "maxTries",
  queued_at as "queuedAt", started_at as "startedAt",
  ended_at as "endedAt", heartbeat_at as "heartbeatAt",
  next_try_at as "nextTryAt", worker,
  rows_read as "rowsRead", records_sent as "recordsSent",
  records_rejected as "recordsRejected",
  error, error_code as "errorCode"`;

export const LOG_COLUMNS = `
  id, run_id as "runId", task_id as "taskId", try_number as "tryNumber",
  ts, level, event, fields`;

export const REJECT_COLUMNS = `
  id, run_id as "runId", task_id as "taskId", try_number as "tryNumber",
  source, row_key as "rowKey", field, reason, excerpt,
  recorded_at as "recordedAt"`;
