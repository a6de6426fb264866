/**
 * Mirror mode for profiles: a profile whose row left the task's query is
 * deleted from Mixpanel (`$delete`). Deletion is the one irreversible
 * thing a sync does, so it is guarded:
 * - it happens only after the whole query was read without error; a failed
 *   read deletes nothing;
 * - a query that returned no row at all while profiles are known never
 *   counts as "everything was deleted" (a broken view, an emptied staging
 *   table, a wrong schema): the task fails and deletes nothing;
 * - a run may delete at most `maxDeleteShare` of the known profiles
 *   (default: 20 %); beyond that it fails and deletes nothing.
 * In every refusal the upserts of the run still go out.
 */
import type {
  GroupProfilesTask,
  MirrorOptions,
  UserProfilesTask,
} from "../builder/dag-definition.ts";
import { BackflowError } from "../errors.ts";
import type { ProfileUpdate } from "../mixpanel/types.ts";

export const DEFAULT_MAX_DELETE_SHARE = 0.2;

/** A mirror deletion refused by the safety rules. */
export class MirrorRefusedError extends BackflowError {
  constructor(message: string) {
    super("MIRROR_REFUSED", message);
  }
}

export interface DeletePlan {
  /** Profiles this task has sent and Mixpanel acknowledged. */
  known: number;
  /** Those whose row the query no longer returns. */
  gone: number;
  /** Rows the query returned this run. */
  rowsRead: number;
}

/** Why the deletions must not happen, or undefined when they may. */
export function mirrorRefusal(
  task: UserProfilesTask | GroupProfilesTask,
  mirror: Readonly<MirrorOptions>,
  plan: DeletePlan,
): MirrorRefusedError | undefined {
  const where = `DAG "${task.dagId}" task "${task.id}"`;
  const what = task.kind === "userProfiles" ? "user" : "group";
  if (plan.rowsRead === 0) {
    return new MirrorRefusedError(
      `${where}: the query returned no rows while ${plan.known} ${what} ` +
        `profiles are known; an empty result is never taken to mean that ` +
        `everything was deleted, so nothing was deleted. Check the query; ` +
        `to really delete them all, run \`backflow reset ${task.dagId} ` +
        `${task.id}\` and delete them in Mixpanel`,
    );
  }
  const share = mirror.maxDeleteShare ?? DEFAULT_MAX_DELETE_SHARE;
  if (plan.gone / plan.known <= share) return undefined;
  const percent = (n: number) => `${Math.round(n * 1000) / 10} %`;
  return new MirrorRefusedError(
    `${where}: mirror mode would delete ${plan.gone} of ${plan.known} ` +
      `${what} profiles (${percent(plan.gone / plan.known)}), more than ` +
      `its maxDeleteShare of ${percent(share)}; nothing was deleted. If ` +
      `the rows really are gone, raise mirror.maxDeleteShare for one run`,
  );
}

/** The `$delete` update for one profile. */
export function deleteUpdate(
  task: UserProfilesTask | GroupProfilesTask,
  key: string,
): ProfileUpdate {
  if (task.kind === "groupProfiles") {
    return {
      $group_key: task.mapping.groupKey,
      $group_id: key,
      $delete: "",
    };
  }
  // Delete exactly the profile of this id, never one it is an alias of.
  return { $distinct_id: key, $delete: "", $ignore_alias: true };
}
