/**
 * User and group profiles of every project, as plain property maps. Profiles
 * are far fewer than events, so they are kept parsed.
 */
import { LIMITS } from "../mixpanel/rules.ts";
import type { Properties } from "./profile-ops.ts";
import { applyOperations } from "./profile-ops.ts";

export interface UserProfile {
  $distinct_id: string;
  $properties: Properties;
}

export interface GroupProfile {
  $group_key: string;
  $group_id: string;
  $properties: Properties;
}

interface Entry {
  token: string;
  identity: Record<string, string>;
  properties: Properties;
}

export type ApplyResult = "applied" | "too-many-properties";

export class ProfileStore {
  private entries = new Map<string, Entry>();

  get count(): number {
    return this.entries.size;
  }

  /**
   * Applies one validated update. `identity` names the profile
   * (`$distinct_id`, or `$group_key` + `$group_id`); `now` stamps
   * `$last_seen` unless the update asks `$ignore_time`.
   */
  apply(
    token: string,
    identity: Record<string, string>,
    update: Record<string, unknown>,
    now: number,
  ): ApplyResult {
    const key = [token, ...Object.values(identity)].join("\u0000");
    const existing = this.entries.get(key);
    const next = applyOperations(existing?.properties, update);

    if (next === null) {
      this.entries.delete(key);
      return "applied";
    }
    if (next === undefined) return "applied";
    if (update.$ignore_time !== true) {
      next.$last_seen = new Date(now).toISOString().slice(0, 19);
    }
    if (Object.keys(next).length > LIMITS.maxProfileProperties) {
      return "too-many-properties";
    }
    this.entries.set(key, { token, identity, properties: next });
    return "applied";
  }

  /** Current profiles, optionally of one project token only. */
  list(token?: string): Array<Record<string, unknown>> {
    const out: Array<Record<string, unknown>> = [];
    for (const entry of this.entries.values()) {
      if (token !== undefined && entry.token !== token) continue;
      out.push({ ...entry.identity, $properties: entry.properties });
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
  }
}
