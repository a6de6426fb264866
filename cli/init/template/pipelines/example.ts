/**
 * An example pipeline: user profiles and order events from two tables.
 * Replace the queries and mappings with your own, then:
 *
 *   npx backflow check                    type-check and validate
 *   npx backflow run example --dry-run    write the request bodies, send nothing
 *   npx backflow run example              send to Mixpanel
 *
 * Every module in `pipelines/` exports one DAG. The row type given to
 * `warehouse.query<Row>` is what the mapping is checked against: a
 * misspelt column is a type error. `npx backflow typegen` writes these
 * types from your database instead.
 */
import { dag, env, mixpanel, postgres } from "backflow";

// The warehouse. URLs and secrets come from the environment or `.env`,
// never from code.
const warehouse = postgres("warehouse", {
  url: env("WAREHOUSE_URL"),
  // The zone your `timestamp without time zone` columns are written in.
  timezone: "UTC",
});

// The Mixpanel project. A service account is the preferred credential;
// MIXPANEL_API_URL points the DAG at the local emulator instead.
const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  username: env.optional("MIXPANEL_SERVICE_ACCOUNT_USERNAME"),
  secret: env.optional("MIXPANEL_SERVICE_ACCOUNT_SECRET"),
  projectId: env.optional("MIXPANEL_PROJECT_ID"),
  region: env.optional("MIXPANEL_REGION"),
  apiUrl: env.optional("MIXPANEL_API_URL"),
});

interface UserRow {
  user_id: string;
  email: string | null;
  name: string | null;
  updated_at: Date;
}

interface OrderRow {
  order_id: string;
  user_id: string;
  total: number;
  created_at: Date;
}

// No `schedule`: the DAG runs when you run it. Add one, e.g.
// `{ schedule: "*/15 * * * *" }`, for `backflow scheduler` to run it.
export default dag("example", { description: "Users and orders" }, (d) => {
  // Profiles are upserts: only new or changed profiles are sent. With a
  // cursor, each run reads only rows whose `updated_at` moved past the
  // last one acknowledged.
  const users = d.userProfiles("users", {
    from: warehouse.query<UserRow>`
      select id::text as user_id, email, name, updated_at from users`,
    to: product,
    userId: "user_id",
    properties: { $email: "email", $name: "name" },
    incremental: { cursor: "updated_at" },
  });

  // Events are inserts with a deterministic $insert_id made from the
  // `insertId` column, so a resend is never counted twice.
  d.events("orders", {
    from: warehouse.query<OrderRow>`
      select id::text as order_id, user_id::text as user_id, total,
             created_at
      from orders`,
    to: product,
    event: "Order Completed",
    insertId: "order_id",
    userId: "user_id",
    time: "created_at",
    properties: { total: "total" },
    incremental: { cursor: "created_at", lookbackMs: 60 * 60 * 1000 },
  }).after(users);
});
