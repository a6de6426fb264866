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
import type { IncrementalOptions, RejectThreshold } from "./dag-definition.ts";
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

export type UserProfilesSpec<Row> = SyncSpec<Row> &
  UserProfileMapping<NoInfer<Row>>;

export type GroupProfilesSpec<Row> = SyncSpec<Row> &
  GroupProfileMapping<NoInfer<Row>>;

/** A statement run in the warehouse: explicitly a write. */
export interface SqlSpec {
  on: PostgresConnection;
  /** Built with the `sql` tag; `d.interval` may appear in it. */
  statement: SqlQuery<unknown>;
  /** (default: the connection's statement timeout) */
  timeoutMs?: number;
}
