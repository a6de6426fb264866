/**
 * The demo shop's tables, and the seeded pseudo-random functions the data
 * statements draw from. Types are the awkward ones real warehouses hold:
 * int8 ids, numeric amounts, naive timestamps, jsonb, NULLable columns.
 */
import { DEMO_SEED, SHOP_SCHEMA } from "./shop-spec.ts";

/**
 * `rnd(n, salt)`: a number in [0, 1) from PostgreSQL's seeded 64-bit hash
 * of n. A hash rather than `random()`, so that a row gets the same value
 * whatever the plan, the parallelism or the server: hash partitioning
 * relies on `hashint8extended` giving the same result on every platform
 * and version. Plain `select` bodies, so that the planner inlines them.
 */
function randomFunctions(schema: string): string[] {
  const seed = `${DEMO_SEED}000`;
  return [
    `create function ${schema}.rnd(n bigint, salt integer)
       returns double precision language sql immutable parallel safe
       as $$ select (hashint8extended(n, ${seed} + salt) & 4503599627370495)
         ::double precision / 4503599627370496 $$`,
    `create function ${schema}.pick(options text[], n bigint, salt integer)
       returns text language sql immutable parallel safe
       as $$ select options[1 + floor(${schema}.rnd(n, salt)
         * cardinality(options))::integer] $$`,
  ];
}

function tables(schema: string): string[] {
  return [
    `create table ${schema}.companies (
       company_id bigint not null,
       name text not null,
       plan text not null,
       seats integer,
       country text,
       attributes jsonb not null,
       created_at timestamp not null,
       updated_at timestamp not null)`,
    `create table ${schema}.users (
       user_id bigint not null,
       company_id bigint,
       email text,
       first_name text not null,
       last_name text,
       country text,
       credit_balance numeric(38, 10) not null,
       attributes jsonb not null,
       signed_up_at timestamp not null,
       updated_at timestamp not null)`,
    `create table ${schema}.orders (
       order_id bigint not null,
       user_id bigint,
       status text not null,
       amount numeric(12, 2) not null,
       discount numeric(12, 2),
       currency char(3) not null,
       items jsonb not null,
       created_at timestamp not null)`,
    `create table ${schema}.page_views (
       view_id uuid not null,
       user_id bigint,
       anonymous_id text,
       path text not null,
       referrer text,
       context jsonb not null,
       viewed_at timestamp not null)`,
    // Filled by the DAG's own `sql` step (pipelines/shop.ts), not here.
    `create table ${schema}.order_facts (
       order_id bigint primary key,
       user_id bigint,
       company_id bigint,
       status text not null,
       amount numeric(12, 2) not null,
       discount numeric(12, 2),
       currency char(3) not null,
       amount_eur numeric(14, 2) not null,
       item_count integer not null,
       order_number integer not null,
       created_at timestamp not null)`,
    `create table ${schema}.demo_info (
       version integer not null,
       seed bigint not null,
       generated_at timestamptz not null default now(),
       -- Where the last demo run sent the shop (see demo-destination.ts).
       destination text)`,
  ];
}

/**
 * Keys are added once the rows are in: one sorted index build is several
 * times faster than maintaining the index row by row.
 */
export function keyStatements(schema = SHOP_SCHEMA): string[] {
  return [
    `alter table ${schema}.companies add primary key (company_id)`,
    `alter table ${schema}.users add primary key (user_id)`,
    `alter table ${schema}.orders add primary key (order_id)`,
    `alter table ${schema}.page_views add primary key (view_id)`,
  ];
}

/** Statements creating the schema from nothing, in order. */
export function schemaStatements(schema = SHOP_SCHEMA): string[] {
  return [
    `create schema ${schema}`,
    ...randomFunctions(schema),
    ...tables(schema),
  ];
}
