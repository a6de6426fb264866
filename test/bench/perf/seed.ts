/**
 * The benchmark's warehouse: deterministic tables built from
 * `generate_series` (no random()), so every seed of the same size holds the
 * same bytes and every tool reads the same rows.
 *
 * - events: ~250-byte events with jsonb, NULLs, non-ASCII text, quotes,
 *   backslashes, tabs and newlines (the escaping cases of COPY and JSON);
 * - events_dense: ~3 KB events (the 10 MB byte cap binds before 2000);
 * - users (1,000,000) and companies (20,000): profiles;
 * - increments: a small table with an `updated_at` cursor.
 *
 * A seed is reused when `bench_seed` says it was built with the same
 * version and at least the rows asked for.
 */
import pg from "pg";

export const SEED_VERSION = 4;

export interface SeedSizes {
  events: number;
  dense: number;
  users: number;
  companies: number;
  increments: number;
}

export const DEFAULT_SIZES: SeedSizes = {
  events: 1_000_000,
  dense: 200_000,
  users: 1_000_000,
  companies: 20_000,
  increments: 100_000,
};

const EVENTS = (n: number) => `
create unlogged table events (
  id bigint primary key,
  insert_key text not null,
  user_id text not null,
  event text not null,
  created_at timestamptz not null,
  amount numeric(12, 2),
  price float8,
  is_trial boolean,
  city text,
  note text,
  props jsonb
);
insert into events
select g,
  'evt-' || lpad(to_hex(g), 12, '0'),
  'user-' || (g::int8 * 7919 % 200000),
  (array['Page Viewed', 'Order Completed', 'Añadido al carrito',
         'Signed Up', 'Café Visité', '検索した'])[1 + g % 6],
  timestamptz '2024-01-01 00:00:00+00' + g * interval '997 milliseconds',
  case when g % 11 = 0 then null else (g * 37 % 100000) / 100.0 end,
  case when g % 13 = 0 then null else (g * 13 % 10000) / 8.0 end,
  g % 3 = 0,
  (array['München', 'São Paulo', 'Kraków', '東京', 'Lyon', 'Austin'])
    [1 + g % 6],
  case g % 4 when 0 then null when 1 then 'n' || g
    when 2 then E'say "hi"\\\\ \\t' || g
    else E'line\\nbreak ✓ ' || g end,
  case when g % 7 = 0 then null else jsonb_build_object(
    'src', (array['ads', 'seo', 'mail'])[1 + g % 3],
    'tags', jsonb_build_array('t' || g % 7)) end
from generate_series(1, ${n}) as g;
analyze events;`;

const DENSE = (n: number) => {
  const texts = Array.from(
    { length: 12 },
    (_, i) =>
      `repeat(md5((g * ${i + 3})::text), 5) || ' ${"é".repeat(i % 3)}' ` +
      `as t${String(i + 1).padStart(2, "0")}`,
  ).join(",\n  ");
  return `
create unlogged table events_dense as
select g::int8 as id,
  'dense-' || g as insert_key,
  'user-' || (g::int8 * 7919 % 200000) as user_id,
  'Report Generated' as event,
  timestamptz '2024-03-01 00:00:00+00' + g * interval '1 second'
    as created_at,
  ${texts},
  jsonb_build_object('rows', g % 500, 'cols', array_fill(g % 9, '{40}'),
    'label', repeat('x', 200)) as doc
from generate_series(1, ${n}) as g;
alter table events_dense add primary key (id);
analyze events_dense;`;
};

const USERS = (n: number) => `
create unlogged table users (
  n int8 primary key,
  id text not null unique,
  email text,
  name text not null,
  plan text,
  score int,
  city text,
  created date
);
insert into users
select g, 'user-' || g, 'user' || g || '@example.com',
  (array['Zoë', 'José', 'Łukasz', 'Ann', '美咲'])[1 + g % 5] || ' ' || g,
  case when g % 7 = 0 then null else 'plan-' || (g % 5) end,
  (g::int8 * 7919 % 1000)::int,
  (array['München', 'São Paulo', 'Kraków', '東京', 'Lyon'])[1 + g % 5],
  date '2020-01-01' + (g % 1500)::int
from generate_series(1, ${n}) as g;
analyze users;`;

const COMPANIES = (n: number) => `
create unlogged table companies (
  id text primary key,
  name text not null,
  plan text,
  seats int,
  industry text
);
insert into companies
select 'co-' || g, 'Company ' || g || ' GmbH & Co. "KG"',
  case when g % 4 = 0 then null else 'tier-' || (g % 3) end,
  (g::int8 * 31 % 500)::int,
  (array['retail', 'médecine', 'fintech', 'logistics'])[1 + g % 4]
from generate_series(1, ${n}) as g;
analyze companies;`;

const INCREMENTS = (n: number) => `
create table increments (
  id bigserial primary key,
  user_id text not null,
  event text not null,
  amount numeric(12, 2),
  updated_at timestamptz not null
);
insert into increments (user_id, event, amount, updated_at)
select 'user-' || (g % 5000), 'Ping', (g % 1000) / 10.0,
  timestamptz '2024-05-01 00:00:00+00' + g * interval '1 millisecond'
from generate_series(1, ${n}) as g;
create index on increments (updated_at, id);
analyze increments;`;

async function exec(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** What an existing seed holds, or undefined when there is none. */
async function existingSeed(url: string): Promise<SeedSizes | undefined> {
  const rows = await query<{ params: SeedSizes & { version: number } }>(
    url,
    `select params from bench_seed where exists (
       select 1 from pg_tables where tablename = 'bench_seed')`,
  ).catch(() => []);
  const params = rows[0]?.params;
  return params?.version === SEED_VERSION ? params : undefined;
}

/**
 * Makes sure every table holds at least the rows asked for, rebuilding
 * only the tables that are too small.
 * @param log progress lines
 */
export async function ensureSeed(
  url: string,
  sizes: SeedSizes,
  log: (line: string) => void,
): Promise<SeedSizes> {
  const have = await existingSeed(url);
  const next: SeedSizes = { ...sizes };
  const parts: Array<[keyof SeedSizes, string, (n: number) => string]> = [
    ["events", "events", EVENTS],
    ["dense", "events_dense", DENSE],
    ["users", "users", USERS],
    ["companies", "companies", COMPANIES],
    ["increments", "increments", INCREMENTS],
  ];
  const record = () =>
    exec(
      url,
      `create table if not exists bench_seed (params jsonb not null);
       truncate bench_seed;
       insert into bench_seed values ('${JSON.stringify({
         ...next,
         version: SEED_VERSION,
       })}')`,
    );
  for (const [key, table, build] of parts) {
    if (have && have[key] >= sizes[key]) {
      next[key] = have[key];
      continue;
    }
    next[key] = 0;
    const started = Date.now();
    await exec(url, `drop table if exists ${table}; ${build(sizes[key])}`);
    next[key] = sizes[key];
    await record();
    log(`seeded ${table}: ${sizes[key]} rows in ${Date.now() - started} ms`);
  }
  await record();
  return next;
}

/** Puts the increments table back to its seeded rows. */
export async function resetIncrements(url: string, n: number): Promise<void> {
  await exec(url, `delete from increments where id > ${n}`);
}

/** Appends `count` rows to increments, with cursors after every other. */
export async function appendIncrements(
  url: string,
  count: number,
): Promise<void> {
  if (count === 0) return;
  await exec(
    url,
    `insert into increments (user_id, event, amount, updated_at)
     select 'user-' || (g % 5000), 'Ping', (g % 1000) / 10.0,
       (select max(updated_at) from increments) + g * interval '1 ms'
     from generate_series(1, ${count}) as g`,
  );
}

/** Reads every table once so each run starts from a warm cache. */
export async function prewarm(url: string, table: string): Promise<void> {
  await exec(url, `select count(*) from ${table}`);
}
