/**
 * Recent runs × tasks of one DAG: the newest `limit` runs and every task
 * instance they hold, with the tasks in dependency order.
 */
import { RUN_COLUMNS, TASK_COLUMNS } from "../store/columns.ts";
import type { DagRun, TaskInstance } from "../store/records.ts";
import { rows, type Queryable } from "../scheduler/transaction.ts";
import type { RunGrid } from "./dashboard-records.ts";
import { readClock, readDagSummaries } from "./overview-query.ts";

/**
 * Task order: the compiler's dependency levels, then tasks only old runs
 * know (the DAG dropped them), by name.
 */
function taskOrder(levels: string[][] | null, seen: Iterable<string>) {
  const ordered = (levels ?? []).flat();
  const known = new Set(ordered);
  const extra = [...new Set(seen)].filter((id) => !known.has(id)).sort();
  return [...ordered, ...extra];
}

export async function readRunGrid(
  db: Queryable,
  dagId: string,
  limit = 30,
): Promise<RunGrid> {
  const readAt = await readClock(db);
  const [[dag], [levels], runs] = await Promise.all([
    readDagSummaries(db, readAt, { dagId }),
    rows<{ levels: string[][] | null }>(
      db,
      "reading a DAG's tasks",
      `select serialized->'levels' as levels from dags where dag_id = $1`,
      [dagId],
    ),
    rows<DagRun>(
      db,
      "listing recent runs",
      `select ${RUN_COLUMNS} from dag_runs where dag_id = $1
        order by id desc limit $2`,
      [dagId, limit],
    ),
  ]);
  const instances = await rows<TaskInstance>(
    db,
    "listing task instances",
    `select ${TASK_COLUMNS} from task_instances
      where run_id = any($1::bigint[])`,
    [runs.map((r) => r.id)],
  );

  const byRun = new Map<number, Record<string, TaskInstance>>();
  for (const task of instances) {
    const tasks = byRun.get(task.runId) ?? {};
    tasks[task.taskId] = task;
    byRun.set(task.runId, tasks);
  }
  return {
    readAt,
    dagId,
    dag: dag ?? null,
    taskIds: taskOrder(
      levels?.levels ?? null,
      instances.map((t) => t.taskId),
    ),
    runs: runs.reverse().map((run) => ({
      run,
      tasks: byRun.get(run.id) ?? {},
    })),
  };
}
