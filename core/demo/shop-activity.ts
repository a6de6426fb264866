/**
 * A little new activity in the demo shop, as if time had passed since the
 * last demo: a few new orders and page views, and a few users whose
 * newsletter choice changed. A demo run over an existing shop adds it, so
 * incremental sync has something small to send: just these rows.
 */
import pg from "pg";
import {
  DEMO_SEED,
  FIRST_USER_ID,
  SHOP_COUNTS,
  SHOP_SCHEMA,
} from "./shop-spec.ts";

export interface ShopActivity {
  readonly orders: number;
  readonly pageViews: number;
  readonly users: number;
}

/** What each call adds. */
export const ACTIVITY: ShopActivity = Object.freeze({
  orders: 20,
  pageViews: 100,
  users: 5,
});

/** The shop's wall clock: its naive timestamps are Europe/Berlin time. */
const SHOP_NOW = `(now() at time zone 'Europe/Berlin')`;

function statements(s: string): { text: string; values: unknown[] }[] {
  const user = (salt: number) =>
    `${FIRST_USER_ID} + floor(${s}.rnd(n, ${salt}) * ${SHOP_COUNTS.users})` +
    `::bigint`;
  return [
    {
      text: `insert into ${s}.orders
        select n, ${user(81)}, 'paid',
               round((5 + ${s}.rnd(n, 82) * 200)::numeric, 2), null, 'EUR',
               jsonb_build_array(jsonb_build_object(
                 'sku', 'SKU-0001', 'name', 'Søren chair', 'qty', 1)),
               ${SHOP_NOW} - g * interval '1 minute'
        from (select coalesce(max(order_id), 0) as last
                from ${s}.orders) x,
             generate_series(1, $1::integer) g,
             lateral (select x.last + g as n) id`,
      values: [ACTIVITY.orders],
    },
    {
      text: `insert into ${s}.page_views
        select md5('${DEMO_SEED}:pv:' || n)::uuid, ${user(83)}, null,
               '/products/søren-chair', null,
               '{"browser": "Firefox", "experiments": []}'::jsonb,
               ${SHOP_NOW} - g * interval '10 seconds'
        from (select count(*) as last from ${s}.page_views) x,
             generate_series(1, $1::integer) g,
             lateral (select x.last + g as n) id`,
      values: [ACTIVITY.pageViews],
    },
    {
      text: `update ${s}.users
        set attributes = jsonb_set(attributes, '{newsletter}',
              to_jsonb(not coalesce((attributes ->> 'newsletter')::boolean,
                                    false))),
            updated_at = ${SHOP_NOW}
        where user_id in (select user_id from ${s}.users
                           order by random() limit $1)`,
      values: [ACTIVITY.users],
    },
  ];
}

/** Adds the activity in one transaction. */
export async function addShopActivity(url: string): Promise<ShopActivity> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("begin");
    for (const { text, values } of statements(SHOP_SCHEMA)) {
      await client.query(text, values);
    }
    await client.query("commit");
    return ACTIVITY;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}
