/**
 * `compileMapper(task)`: turns a sync task's mapping into a function from
 * source rows to Mixpanel records or rejections. Compile once per task run;
 * the returned function does no per-row setup.
 *
 * @example
 * const map = compileMapper(task, { token });
 * const result = map(row);
 * if (result.ok) send(result.record); else store(result.rejection);
 */
import type {
  EventsTask,
  GroupProfilesTask,
  SyncTask,
  UserProfilesTask,
} from "../builder/dag-definition.ts";
import type { IdentityMode } from "../mixpanel/rules.ts";
import { compileEventMapper } from "./event-mapper.ts";
import type {
  GroupProfileUpdate,
  MappedEvent,
  ProfileUpdate,
  RowMapper,
  UserProfileUpdate,
} from "./map-result.ts";
import {
  compileGroupProfileMapper,
  compileUserProfileMapper,
  type ProfileMapperOptions,
} from "./profile-mapper.ts";

export interface MapperOptions {
  /** Project token for profile updates' `$token` (default: left out). */
  token?: string;
  /** The clock that bounds future event times (default: `Date.now`). */
  now?: () => number;
  /** The project's ID Merge system (default: "simplified"). */
  identityMode?: IdentityMode;
  /** Profiles: see `ProfileMapperOptions.acknowledged`. */
  acknowledged?: ProfileMapperOptions["acknowledged"];
}

export function compileMapper(
  task: EventsTask,
  options?: MapperOptions,
): RowMapper<MappedEvent>;
export function compileMapper(
  task: UserProfilesTask,
  options?: MapperOptions,
): RowMapper<UserProfileUpdate>;
export function compileMapper(
  task: GroupProfilesTask,
  options?: MapperOptions,
): RowMapper<GroupProfileUpdate>;
export function compileMapper(
  task: SyncTask,
  options?: MapperOptions,
): RowMapper<MappedEvent | ProfileUpdate>;
export function compileMapper(
  task: SyncTask,
  options: MapperOptions = {},
): RowMapper<MappedEvent | ProfileUpdate> {
  switch (task.kind) {
    case "events":
      return compileEventMapper(task, options);
    case "userProfiles":
      return compileUserProfileMapper(task, options);
    case "groupProfiles":
      return compileGroupProfileMapper(task, options);
  }
}
