/**
 * The demo shop (`backflow demo` builds its warehouse) synced to Mixpanel.
 *
 * - `build-order-facts` (sql): derives `shop.order_facts` from the raw
 *   orders: the company of the buyer, the amount in euros, the item count
 *   and each order's number in its buyer's history. Only new orders are
 *   added, so the step is cheap to run again.
 * - `companies` (group profiles, group key `company_id`), then `users`
 *   (user profiles, read incrementally by `updated_at`).
 * - `orders` and `page-views` (events, read incrementally by their time
 *   with a look-back for late rows), after the profiles they refer to.
 *
 * Ids are int8 beyond 2^53 and go to Mixpanel as exact decimal strings;
 * timestamps are naive wall-clock time of the shop, in Europe/Berlin.
 *
 * Run it: `backflow demo`, or with your own settings
 * `DEMO_WAREHOUSE_URL=postgres://… MIXPANEL_TOKEN=… backflow run shop`.
 */
import { dag, env, mixpanel, postgres, sql } from "backflow";

const warehouse = postgres("shop", {
  url: env("DEMO_WAREHOUSE_URL"),
  timezone: "Europe/Berlin",
});

const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  projectId: env.optional("MIXPANEL_PROJECT_ID"),
  username: env.optional("MIXPANEL_SERVICE_ACCOUNT_USERNAME"),
  secret: env.optional("MIXPANEL_SERVICE_ACCOUNT_SECRET"),
  apiSecret: env.optional("MIXPANEL_API_SECRET"),
  region: env.optional("MIXPANEL_REGION"),
  apiUrl: env.optional("MIXPANEL_API_URL"),
});

const TWO_DAYS_MS = 2 * 24 * 3600 * 1000;

/** int8 columns arrive as numbers when a double holds them, else as text. */
type BigId = string | number;

interface CompanyRow {
  company_id: string;
  name: string;
  plan: string;
  seats: number | null;
  country: string | null;
  attributes: {
    industry: string;
    tags: string[];
    billing: { currency: string; net_terms: number | null };
  };
  created_at: Date;
}

interface UserRow {
  user_id: BigId;
  company_id: string | null;
  email: string | null;
  first_name: string;
  last_name: string | null;
  country: string | null;
  credit_balance: number | string;
  attributes: {
    newsletter: boolean;
    score: number;
    utm: { source: string | null; campaign: string | null };
  };
  signed_up_at: Date;
  updated_at: Date;
}

interface OrderRow {
  order_id: BigId;
  user_id: BigId | null;
  company_id: string | null;
  status: string;
  amount: number;
  discount: number | null;
  currency: string;
  amount_eur: number;
  item_count: number;
  order_number: number;
  created_at: Date;
}

interface PageViewRow {
  view_id: string;
  distinct_id: string | null;
  path: string;
  referrer: string | null;
  context: { browser: string; experiments: string[] };
  viewed_at: Date;
}

const ORDER_EVENTS: Record<string, string> = {
  paid: "Order Completed",
  refunded: "Order Refunded",
  cancelled: "Order Cancelled",
};

export default dag("shop", { description: "The demo shop" }, (d) => {
  const facts = d.sql("build-order-facts", {
    on: warehouse,
    statement: sql`
      insert into shop.order_facts
      select o.order_id, o.user_id, u.company_id, o.status, o.amount,
             o.discount, o.currency, round(o.amount * r.to_eur, 2),
             jsonb_array_length(o.items),
             row_number() over (partition by o.user_id
                                order by o.created_at, o.order_id),
             o.created_at
      from shop.orders o
      left join shop.users u on u.user_id = o.user_id
      join (values ('EUR', 1.0), ('USD', 0.92), ('SEK', 0.087),
                   ('JPY', 0.0059)) as r (currency, to_eur)
        on r.currency = o.currency
      on conflict (order_id) do nothing`,
  });

  // Group ids are text on both sides, so events' `company_id` matches.
  const companies = d.groupProfiles("companies", {
    from: warehouse.query<CompanyRow>`
      select company_id::text as company_id, name, plan, seats, country,
             attributes, created_at
      from shop.companies`,
    to: product,
    groupKey: "company_id",
    groupId: "company_id",
    properties: {
      $name: "name",
      plan: "plan",
      seats: "seats",
      country: "country",
      industry: (r) => r.attributes.industry,
      tags: (r) => r.attributes.tags,
      billing: (r) => r.attributes.billing,
      customer_since: "created_at",
    },
  });

  const users = d
    .userProfiles("users", {
      from: warehouse.query<UserRow>`
        select user_id, company_id::text as company_id, email, first_name,
               last_name, country, credit_balance, attributes,
               signed_up_at, updated_at
        from shop.users`,
      to: product,
      userId: "user_id",
      properties: {
        $email: "email",
        $first_name: "first_name",
        $last_name: "last_name",
        $name: (r) => [r.first_name, r.last_name].filter(Boolean).join(" "),
        $country_code: "country",
        // Group membership on a profile is a list of group ids.
        company_id: (r) => (r.company_id === null ? null : [r.company_id]),
        credit_balance: "credit_balance",
        newsletter: (r) => r.attributes.newsletter,
        utm: (r) => r.attributes.utm,
      },
      setOnce: { signed_up: "signed_up_at" },
      incremental: { cursor: "updated_at" },
    })
    .after(companies);

  d.events("orders", {
    from: warehouse.query<OrderRow>`
      select order_id, user_id, company_id::text as company_id, status,
             amount, discount, currency, amount_eur, item_count,
             order_number, created_at
      from shop.order_facts`,
    to: product,
    event: (r) => ORDER_EVENTS[r.status] ?? "Order Updated",
    insertId: "order_id",
    userId: "user_id",
    time: "created_at",
    properties: {
      amount: "amount",
      discount: "discount",
      currency: "currency",
      amount_eur: "amount_eur",
      items: "item_count",
      first_order: (r) => r.order_number === 1,
      company_id: "company_id",
    },
    incremental: { cursor: "created_at", lookbackMs: TWO_DAYS_MS },
  }).after(facts, users);

  d.events("page-views", {
    from: warehouse.query<PageViewRow>`
      select view_id, coalesce(user_id::text, anonymous_id) as distinct_id,
             path, referrer, context, viewed_at
      from shop.page_views`,
    to: product,
    event: "Page Viewed",
    insertId: "view_id",
    userId: "distinct_id",
    time: "viewed_at",
    properties: {
      path: "path",
      referrer: "referrer",
      browser: (r) => r.context.browser,
      experiments: (r) => r.context.experiments,
    },
    incremental: { cursor: "viewed_at", lookbackMs: TWO_DAYS_MS },
  }).after(users);
});
