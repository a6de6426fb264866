/**
 * The retry pass's plan: open rejections grouped by the query parameters
 * their rows are to be looked for with. A query sliced by `d.interval` is
 * bound to the interval of the run that rejected the row (the row is not in
 * today's slice); any other query is bound once.
 */
import type { OpenRejection } from "./task-state.ts";

type Params = Readonly<Record<string, unknown>>;

export interface RetryGroup {
  readonly params: Params;
  readonly keys: string[];
}

export function retryGroups(
  open: readonly OpenRejection[],
  params: Params,
  sliced: boolean,
): RetryGroup[] {
  if (!sliced)
    return open.length ? [{ params, keys: open.map((r) => r.rowKey) }] : [];
  const groups = new Map<string, RetryGroup>();
  for (const r of open) {
    const id = `${r.intervalStart?.toISOString()}/${r.intervalEnd?.toISOString()}`;
    let group = groups.get(id);
    if (!group) {
      group = {
        params: {
          ...params,
          ...(r.intervalStart ? { "interval.start": r.intervalStart } : {}),
          ...(r.intervalEnd ? { "interval.end": r.intervalEnd } : {}),
        },
        keys: [],
      };
      groups.set(id, group);
    }
    group.keys.push(r.rowKey);
  }
  return [...groups.values()];
}
