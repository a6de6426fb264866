/**
 * The persisted switches of a DAG: paused or not. The flag lives on the
 * DAG's row in `dags`, which the compiler's publish never overwrites.
 */
import { rows, type Queryable } from "./transaction.ts";

/** Ids of the paused DAGs. */
export async function pausedDags(db: Queryable): Promise<Set<string>> {
  const found = await rows<{ dagId: string }>(
    db,
    "reading paused DAGs",
    `select dag_id as "dagId" from dags where is_paused`,
  );
  return new Set(found.map((r) => r.dagId));
}

/** Pauses or unpauses a DAG; false when the store does not know it. */
export async function setPaused(
  db: Queryable,
  dagId: string,
  paused: boolean,
): Promise<boolean> {
  const found = await rows(
    db,
    paused ? "pausing a DAG" : "unpausing a DAG",
    `update dags set is_paused = $2 where dag_id = $1 returning 1`,
    [dagId, paused],
  );
  return found.length > 0;
}
