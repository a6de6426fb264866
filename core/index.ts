/**
 * What pipeline modules may import from "backflow". Everything else under
 * `core/` is internal and may change.
 */
export { BackflowError, ConfigError } from "./errors.ts";
export { dag } from "./builder/dag-builder.ts";
export type { DagBuilder } from "./builder/dag-builder.ts";
export { postgres } from "./builder/postgres-connection.ts";
export type {
  PostgresConfig,
  PostgresConnection,
  SourceQuery,
} from "./builder/postgres-connection.ts";
export { mixpanel } from "./builder/mixpanel-connection.ts";
export type {
  MixpanelConfig,
  MixpanelConnection,
} from "./builder/mixpanel-connection.ts";
export { env } from "./builder/env.ts";
export type { EnvRef } from "./builder/env.ts";
export { sql } from "./source/sql.ts";
export type { SqlQuery } from "./source/sql.ts";
export type {
  DagOptions,
  NotifyOptions,
  OverlapPolicy,
} from "./builder/dag-options.ts";
export type { WaitForSpec } from "./builder/wait-for.ts";
export type {
  DagDefinition,
  IncrementalOptions,
  MirrorOptions,
  RejectThreshold,
  TaskContext,
  TaskDefinition,
  TaskKind,
} from "./builder/dag-definition.ts";
export type { TaskHandle } from "./builder/task-handle.ts";
export type {
  EventsSpec,
  GroupProfilesSpec,
  SqlSpec,
  UserProfilesSpec,
} from "./builder/task-specs.ts";
export type {
  ColumnOf,
  EventMapping,
  EventNameSource,
  GroupProfileMapping,
  PropertyMap,
  UserProfileMapping,
} from "./mapping/mapping-spec.ts";
export {
  DagDefinitionError,
  DuplicateTaskError,
} from "./builder/dag-errors.ts";
export { CycleError, UnknownTaskError } from "./graph/graph-errors.ts";
