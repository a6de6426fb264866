/**
 * Builds real task definitions through `dag(...)` for mapping tests, so the
 * mapper always sees what the builder produces.
 */
import type {
  EventsTask,
  GroupProfilesTask,
  UserProfilesTask,
} from "../../core/builder/dag-definition.ts";
import { dag, env, mixpanel, postgres } from "../../core/index.ts";
import type {
  EventMapping,
  GroupProfileMapping,
  UserProfileMapping,
} from "../../core/mapping/mapping-spec.ts";

type Row = Record<string, unknown>;

export const warehouse = postgres("warehouse", { url: env("WAREHOUSE_URL") });
export const product = mixpanel("product", { token: "tok" });
const from = warehouse.query<Row>`select * from t`;

export function eventsTask(
  mapping: EventMapping<Row>,
  ids = { dag: "shop", task: "orders" },
): EventsTask {
  const d = dag(ids.dag, {}, (b) => {
    b.events(ids.task, { from, to: product, ...mapping });
  });
  return d.task(ids.task) as EventsTask;
}

export function usersTask(mapping: UserProfileMapping<Row>): UserProfilesTask {
  const d = dag("shop", {}, (b) => {
    b.userProfiles("users", { from, to: product, ...mapping });
  });
  return d.task("users") as UserProfilesTask;
}

export function groupsTask(
  mapping: GroupProfileMapping<Row>,
): GroupProfilesTask {
  const d = dag("shop", {}, (b) => {
    b.groupProfiles("accounts", { from, to: product, ...mapping });
  });
  return d.task("accounts") as GroupProfilesTask;
}
