/**
 * The metadata store's public surface for the rest of backflow.
 */
export {
  MetadataStore,
  openStore,
  type OpenStoreOptions,
  type StoreLocation,
} from "./metadata-store.ts";
export type {
  FinishTask,
  ListRunsOptions,
  NewRun,
  StartTask,
} from "./run-repository.ts";
export type { ListLogOptions, NewLogEntry } from "./log-repository.ts";
export type {
  ListRejectsOptions,
  NewRejectedRow,
} from "./reject-repository.ts";
export type * from "./records.ts";
export { StoreError } from "./store-error.ts";
export * from "./dag-repository.ts";
export type * from "./sync-repository.ts";
export { SyncRepository } from "./sync-repository.ts";
export * from "./retention.ts";
export { MIGRATIONS, type Migration } from "./migrations.ts";
export { migrate } from "./migrate.ts";
export {
  ensureEmbeddedServer,
  type EmbeddedServer,
  type EmbeddedServerOptions,
} from "./embedded/embedded-server.ts";
export {
  embeddedServerStatus,
  stopEmbeddedServer,
  type EmbeddedServerStatus,
  type StopOptions,
} from "./embedded/server-control.ts";
