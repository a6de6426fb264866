/**
 * The statements that fill the demo shop, built inside PostgreSQL with
 * `generate_series` and the seeded `rnd`/`pick` functions: no row crosses
 * the network, so 260,000 rows take a few seconds. Salts (the second `rnd`
 * argument) keep each column's draws independent of the others.
 */
import {
  ACTIVITY_DAYS,
  ACTIVITY_START,
  DEMO_SEED,
  FIRST_COMPANY_ID,
  FIRST_USER_ID,
  ORDERS_FROM_1960,
  ORDERS_WITHOUT_USER,
  PAGE_VIEWS_WITH_BAD_ID,
  SHOP_COUNTS,
  SHOP_SCHEMA,
  SHOP_VERSION,
} from "./shop-spec.ts";
import * as words from "./shop-words.ts";

export interface Statement {
  readonly text: string;
  readonly values: readonly unknown[];
}

const COMPANY_BASE = FIRST_COMPANY_ID - 1n;
const USER_BASE = FIRST_USER_ID - 1n;

function companies(s: string): Statement {
  return {
    text: `insert into ${s}.companies
      select ${COMPANY_BASE} + g,
        -- The last company's name is 300 bytes: cut to 255 on the way.
        case when g = $1 then repeat('Ω', 150)
             else ${s}.pick($2, g, 1) || ' ' || ${s}.pick($3, g, 2) || ' '
                  || ${s}.pick($4, g, 3) end,
        ${s}.pick(array['free', 'team', 'team', 'business', 'enterprise'],
                  g, 4),
        case when ${s}.rnd(g, 5) < 0.1 then null
             else 1 + floor(${s}.rnd(g, 6) * 250)::integer end,
        case when ${s}.rnd(g, 7) < 0.03 then null
             else ${s}.pick($5, g, 8) end,
        jsonb_build_object(
          'industry', ${s}.pick($6, g, 9),
          'tags', case when ${s}.rnd(g, 10) < 0.3 then '[]'::jsonb
                       else jsonb_build_array(${s}.pick($7, g, 11),
                                              ${s}.pick($7, g, 12)) end,
          'billing', jsonb_build_object(
            'currency', ${s}.pick(array['EUR', 'USD', 'SEK'], g, 13),
            'net_terms', case when ${s}.rnd(g, 14) < 0.5 then null
                              else 30 end)),
        timestamp '2022-01-01' + ${s}.rnd(g, 15) * interval '700 days',
        timestamp '2022-01-01' + ${s}.rnd(g, 15) * interval '700 days'
          + ${s}.rnd(g, 16) * interval '300 days'
      from generate_series(1, $1::integer) g`,
    values: [
      SHOP_COUNTS.companies,
      words.COMPANY_PREFIXES,
      words.COMPANY_WORDS,
      words.COMPANY_SUFFIXES,
      words.COUNTRIES,
      words.INDUSTRIES,
      words.TAGS,
    ],
  };
}

function users(s: string): Statement {
  return {
    text: `insert into ${s}.users
      select ${USER_BASE} + g,
        case when ${s}.rnd(g, 21) < 0.08 then null
             else ${COMPANY_BASE} + 1
                  + floor(${s}.rnd(g, 22) * $2)::bigint end,
        case when ${s}.rnd(g, 23) < 0.04 then null
             else 'user' || g || '@' || ${s}.pick($3, g, 24) end,
        ${s}.pick($4, g, 25),
        case when ${s}.rnd(g, 26) < 0.05 then null
             else ${s}.pick($5, g, 27) end,
        case when ${s}.rnd(g, 28) < 0.03 then null
             else ${s}.pick($6, g, 29) end,
        -- A few balances too long for a double: sent as exact text.
        case when ${s}.rnd(g, 30) < 0.002
             then 12345678901234567890.1234567890 + g
             else round((${s}.rnd(g, 31) * 200)::numeric, 2) end,
        jsonb_build_object(
          'newsletter', ${s}.rnd(g, 32) < 0.4,
          'score', round((${s}.rnd(g, 33) * 100)::numeric, 2),
          'utm', jsonb_build_object(
            'source', case when ${s}.rnd(g, 34) < 0.3 then null
                           else ${s}.pick(array['google', 'newsletter',
                                                'partner'], g, 35) end,
            'campaign', case when ${s}.rnd(g, 36) < 0.8 then null
                             else 'été-2024' end)),
        timestamp '2023-01-01' + ${s}.rnd(g, 37) * interval '540 days',
        timestamp '2023-01-01' + ${s}.rnd(g, 37) * interval '540 days'
          + ${s}.rnd(g, 38) * interval '360 days'
      from generate_series(1, $1::integer) g`,
    values: [
      SHOP_COUNTS.users,
      SHOP_COUNTS.companies,
      words.EMAIL_DOMAINS,
      words.FIRST_NAMES,
      words.LAST_NAMES,
      words.COUNTRIES,
    ],
  };
}

/** A user number skewed towards the first users, as real activity is. */
function skewedUser(s: string, salt: number): string {
  return (
    `${USER_BASE} + 1 + floor(power(${s}.rnd(g, ${salt}), 1.7) ` +
    `* ${SHOP_COUNTS.users})::bigint`
  );
}

function activityTime(s: string, salt: number): string {
  return (
    `timestamp '${ACTIVITY_START}' + ${s}.rnd(g, ${salt}) ` +
    `* interval '${ACTIVITY_DAYS} days'`
  );
}

function orders(s: string): Statement {
  return {
    text: `insert into ${s}.orders
      select g,
        case when g = any($2::integer[]) then null
             else ${skewedUser(s, 41)} end,
        case when ${s}.rnd(g, 42) < 0.85 then 'paid'
             when ${s}.rnd(g, 42) < 0.92 then 'refunded'
             else 'cancelled' end,
        round((5 + power(${s}.rnd(g, 43), 2) * 495)::numeric, 2),
        case when ${s}.rnd(g, 44) < 0.7 then null
             else round((${s}.rnd(g, 45) * 20)::numeric, 2) end,
        case when ${s}.rnd(g, 46) < 0.6 then 'EUR'
             when ${s}.rnd(g, 46) < 0.85 then 'USD'
             when ${s}.rnd(g, 46) < 0.95 then 'SEK'
             else 'JPY' end,
        (select jsonb_agg(jsonb_build_object(
                  'sku', 'SKU-' || lpad((1 + floor(
                           ${s}.rnd(g * 4 + i, 48) * 900))::text, 4, '0'),
                  'name', ${s}.pick($4, g * 4 + i, 49),
                  'qty', 1 + floor(${s}.rnd(g * 4 + i, 50) * 3)::integer))
           from generate_series(1, 1 + floor(${s}.rnd(g, 47) * 3)::integer) i),
        case when g = any($3::integer[])
             then timestamp '1960-03-14 09:26:53.5'
             else ${activityTime(s, 51)} end
      from generate_series(1, $1::integer) g`,
    values: [
      SHOP_COUNTS.orders,
      [...ORDERS_WITHOUT_USER],
      [...ORDERS_FROM_1960],
      words.PRODUCTS,
    ],
  };
}

function pageViews(s: string): Statement {
  return {
    text: `insert into ${s}.page_views
      select md5('${DEMO_SEED}:pv:' || g)::uuid,
        case when $2::jsonb ? g::text or ${s}.rnd(g, 61) < 0.3 then null
             else ${skewedUser(s, 62)} end,
        case when $2::jsonb ? g::text then $2::jsonb ->> g::text
             when ${s}.rnd(g, 61) < 0.3
             then 'dev-' || substr(md5('${DEMO_SEED}:dev:'
                    || floor(${s}.rnd(g, 63) * 20000)), 1, 12)
             end,
        ${s}.pick($3, g, 64),
        case when ${s}.rnd(g, 65) < 0.5 then null
             else ${s}.pick($4, g, 66) end,
        jsonb_build_object(
          'browser', ${s}.pick($5, g, 67),
          'screen', jsonb_build_object(
            'w', ${s}.pick(array['390', '1280', '1920'], g, 68)::integer,
            'dpr', ${s}.pick(array['1', '2', '2.75'], g, 69)::numeric),
          'experiments', case when ${s}.rnd(g, 70) < 0.5 then '[]'::jsonb
                              else '["checkout-v2"]'::jsonb end),
        ${activityTime(s, 71)}
      from generate_series(1, $1::integer) g`,
    values: [
      SHOP_COUNTS.pageViews,
      JSON.stringify(PAGE_VIEWS_WITH_BAD_ID),
      words.PATHS,
      words.REFERRERS,
      words.BROWSERS,
    ],
  };
}

/** The statements filling every table, in foreign-key order. */
export function dataStatements(schema = SHOP_SCHEMA): Statement[] {
  return [
    companies(schema),
    users(schema),
    orders(schema),
    pageViews(schema),
    {
      text: `insert into ${schema}.demo_info (version, seed) values ($1, $2)`,
      values: [SHOP_VERSION, DEMO_SEED],
    },
  ];
}
