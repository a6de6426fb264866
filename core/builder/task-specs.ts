/**
 * What each task factory of the DAG builder accepts. The row type comes
 * from `from` alone (`NoInfer` elsewhere), so every column named in the
 * mapping is checked against the query's row type, never widened to fit.
 */
import type {
  EventMapping,
  GroupProfileMapping,
  UserProfileMapping,
} from "../mapping/mapping-spec.ts";
import type { SqlQuery } from "../source/sql.ts";
import type {
  IncrementalOptions,
  MirrorOptions,
  RejectThreshold,
} from "./dag-definition.ts";
import type { MixpanelConnection } from "./mixpanel-connection.ts";
import type { PostgresConnection, SourceQuery } from "./postgres-connection.ts";

/** Options shared by every task that sends rows to Mixpanel. */
export interface SyncSpec<Row> {
  /** The rows to send: `warehouse.query<Row>\`select …\``. */
  from: SourceQuery<Row>;
  /** The Mixpanel project to send them to. */
  to: MixpanelConnection;
  /** When rejected rows fail the task (default: more than 10 %). */
  rejectThreshold?: RejectThreshold;
  /** Read only rows changed since the last run, by a cursor column. */
  incremental?: IncrementalOptions<NoInfer<Row>>;
}

export type EventsSpec<Row> = SyncSpec<Row> & EventMapping<NoInfer<Row>>;

/** Options of the profile tasks besides their mapping. */
export interface ProfileSyncSpec {
  /**
   * Delete (`$delete`) the profiles whose rows left the query (default:
   * off). `true` means `{ maxDeleteShare: 0.2 }`.
   *
   * Note: needs a full read, so not with `incremental`. A run whose query
   * returns no row, or that would delete more than `maxDeleteShare` of the
   * profiles it knows, deletes nothing and fails.
   */
  mirror?: boolean | MirrorOptions;
}

export type UserProfilesSpec<Row> = SyncSpec<Row> &
  ProfileSyncSpec &
  UserProfileMapping<NoInfer<Row>>;

export type GroupProfilesSpec<Row> = SyncSpec<Row> &
  ProfileSyncSpec &
  GroupProfileMapping<NoInfer<Row>>;

/** A statement run in the warehouse: explicitly a write. */
export interface SqlSpec {
  on: PostgresConnection;
  /** Built with the `sql` tag; `d.interval` may appear in it. */
  statement: SqlQuery<unknown>;
  /** (default: the connection's statement timeout) */
  timeoutMs?: number;
}
