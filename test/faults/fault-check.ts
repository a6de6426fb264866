/**
 * The two verdicts of every fault case:
 *
 * - the tally: what Mixpanel holds against what one clean run leaves there
 *   (every click once, after de-duplication; every profile equal to its
 *   source row);
 * - honesty: a run that ended on its own is recorded in the store as its
 *   summary and exit code say, task by task, and a failed task names its
 *   error code. A run recorded as a success while rows are missing would
 *   show up in the tally taken right after it.
 */
import pg from "pg";

import type { Snapshot } from "./fault-emulator.ts";
import type { SourceState } from "./fault-warehouse.ts";

export interface Tally {
  /** Records one clean run stores: clicks, people and accounts. */
  expected: number;
  /** Source rows with no event or profile in Mixpanel. */
  lost: number;
  /** Clicks stored more than once after Mixpanel's de-duplication. */
  duplicates: number;
  /** Events or profiles Mixpanel holds that no source row explains. */
  extra: number;
  /** Profiles whose properties differ from their row. */
  mismatched: number;
  /** The events of one click stored twice, for a failure to show. */
  example?: unknown[];
}

export function tally(snapshot: Snapshot, source: SourceState): Tally {
  const seen = new Map<number, unknown[]>();
  let extra = 0;
  for (const e of snapshot.events) {
    const id = Number(e.properties.click_id);
    if (!source.clickIds.has(id)) extra++;
    seen.set(id, [...(seen.get(id) ?? []), e]);
  }
  let lost = 0;
  let duplicates = 0;
  let example: unknown[] | undefined;
  for (const id of source.clickIds) {
    const stored = seen.get(id) ?? [];
    if (stored.length === 0) lost++;
    if (stored.length > 1) {
      duplicates += stored.length - 1;
      example ??= stored;
    }
  }

  let mismatched = 0;
  const compare = (
    expected: ReadonlyMap<string, Record<string, unknown>>,
    actual: Map<string, Record<string, unknown>>,
  ) => {
    for (const [id, want] of expected) {
      const got = actual.get(id);
      if (!got) {
        lost++;
        continue;
      }
      const differs = Object.entries(want).some(([k, v]) => got[k] !== v);
      if (differs) mismatched++;
    }
    for (const id of actual.keys()) if (!expected.has(id)) extra++;
  };
  compare(
    source.people,
    new Map(snapshot.users.map((p) => [String(p.$distinct_id), p.$properties])),
  );
  compare(
    source.accounts,
    new Map(snapshot.groups.map((p) => [String(p.$group_id), p.$properties])),
  );
  return {
    expected: source.clickIds.size + source.people.size + source.accounts.size,
    lost,
    duplicates,
    extra,
    mismatched,
    ...(example ? { example } : {}),
  };
}

/** A clean result: nothing lost, twice, unexplained or different. */
export function isClean(t: Tally): boolean {
  return t.lost + t.duplicates + t.extra + t.mismatched === 0;
}

export interface TaskSummary {
  taskId: string;
  state: string;
  error?: string;
  errorCode?: string;
}

export interface RunSummary {
  runId: string;
  state: string;
  tasks: TaskSummary[];
}

/**
 * Checks one run that ended on its own against the store.
 * @returns what is dishonest about it (empty when nothing)
 */
export async function honesty(
  storeUrl: string,
  exitCode: number | null,
  summary: RunSummary | undefined,
): Promise<string[]> {
  if (!summary) return [`exit ${exitCode} without a JSON summary`];
  const problems: string[] = [];
  if ((summary.state === "success") !== (exitCode === 0)) {
    problems.push(`summary says ${summary.state} but exit code ${exitCode}`);
  }
  for (const t of summary.tasks) {
    if (t.state === "failed" && !t.errorCode) {
      problems.push(`task ${t.taskId} failed without an error code`);
    }
  }
  const store = new pg.Client({ connectionString: storeUrl });
  await store.connect();
  try {
    const run = await store.query<{ state: string }>(
      "select state from dag_runs where id = $1",
      [Number(summary.runId)],
    );
    const recorded = run.rows[0]?.state;
    if (recorded !== summary.state) {
      problems.push(`run ${summary.runId} recorded as ${recorded}`);
    }
    const tasks = await store.query<{ task_id: string; state: string }>(
      "select task_id, state from task_instances where run_id = $1",
      [Number(summary.runId)],
    );
    const states = new Map(tasks.rows.map((r) => [r.task_id, r.state]));
    for (const t of summary.tasks) {
      if (states.get(t.taskId) !== t.state) {
        problems.push(
          `task ${t.taskId} is ${t.state} but recorded ` +
            `${states.get(t.taskId)}`,
        );
      }
    }
  } finally {
    await store.end();
  }
  return problems;
}
