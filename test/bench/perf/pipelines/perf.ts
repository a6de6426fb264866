/**
 * The benchmark's DAG: one task per scenario, each run alone with
 * `backflow run perf --task <id>`. Sizes come from the environment so one
 * compiled module serves every row count (the compile cache stays warm).
 */
import { dag, env, mixpanel, postgres } from "backflow";

const warehouse = postgres("bench", { url: env("BENCH_SOURCE_URL") });
const product = mixpanel("product", {
  token: env("BENCH_TOKEN"),
  apiUrl: env("BENCH_MIXPANEL_URL"),
});

const rows = Number(process.env.BENCH_ROWS ?? "1000000");

interface EventRow {
  id: number;
  insert_key: string;
  user_id: string;
  event: string;
  created_at: Date;
  amount: number | null;
  price: number | null;
  is_trial: boolean | null;
  city: string | null;
  note: string | null;
  props: unknown;
}

interface UserRow {
  id: string;
  email: string | null;
  name: string;
  plan: string | null;
  score: number | null;
  city: string | null;
  created: string | null;
}

interface CompanyRow {
  id: string;
  name: string;
  plan: string | null;
  seats: number | null;
  industry: string | null;
}

interface IncrementRow {
  id: number;
  user_id: string;
  event: string;
  amount: number | null;
  updated_at: Date;
}

export default dag("perf", {}, (d) => {
  d.events("events", {
    from: warehouse.query<EventRow>`
      select id, insert_key, user_id, event, created_at, amount, price,
             is_trial, city, note, props
        from events where id <= ${rows}`,
    to: product,
    event: { column: "event" },
    insertId: "insert_key",
    userId: "user_id",
    time: "created_at",
    properties: {
      amount: "amount",
      price: "price",
      is_trial: "is_trial",
      city: "city",
      note: "note",
      props: "props",
    },
  });

  d.events("dense", {
    from: warehouse.query`select * from events_dense where id <= ${rows}`,
    to: product,
    event: "Report Generated",
    insertId: "insert_key",
    userId: "user_id",
    time: "created_at",
    includeRest: true,
  });

  const userMapping = {
    to: product,
    userId: "id",
    properties: {
      $email: "email",
      $name: "name",
      plan: "plan",
      score: "score",
      $city: "city",
      $created: "created",
    },
  } as const;
  d.userProfiles("users", {
    from: warehouse.query<UserRow>`
      select id, email, name, plan, score, city, created
        from users where n <= ${rows}`,
    ...userMapping,
  });
  // Its own task, so its hashes are its own: a 1,000,000-profile state
  // that the no-change re-sync compares against.
  d.userProfiles("users_resync", {
    from: warehouse.query<UserRow>`
      select id, email, name, plan, score, city, created
        from users where n <= ${rows}`,
    ...userMapping,
  });

  d.groupProfiles("companies", {
    from: warehouse.query<CompanyRow>`
      select id, name, plan, seats, industry from companies
       where substr(id, 4)::int <= ${rows}`,
    to: product,
    groupKey: "company_id",
    groupId: "id",
    properties: {
      $name: "name",
      plan: "plan",
      seats: "seats",
      industry: "industry",
    },
  });

  d.events("increments", {
    from: warehouse.query<IncrementRow>`
      select id, user_id, event, amount, updated_at from increments`,
    to: product,
    event: { column: "event" },
    insertId: "id",
    userId: "user_id",
    time: "updated_at",
    properties: { amount: "amount" },
    incremental: { cursor: "updated_at" },
  });
});
