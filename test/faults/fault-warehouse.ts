/**
 * The fault suite's warehouse: accounts, people and clicks (see
 * test/fixtures/pipelines/faults/faults.ts), made with generate_series so
 * that a fresh one takes a few milliseconds, plus the `fault_control`
 * table through which a case makes the clicks read stall.
 */
import pg from "pg";

export const ROWS = { accounts: 20, people: 200, clicks: 2000 } as const;

const SCHEMA = `
create table accounts (id int primary key, name text not null,
                       plan text not null);
create table people (id int primary key, email text not null,
                     name text not null, account_id int not null);
create table clicks (id int primary key, person_id int not null,
                     at timestamptz not null, page text not null);
create table fault_control (sleep_ms int not null);
insert into fault_control values (0);
create function fault_pause() returns boolean language plpgsql volatile as $$
begin
  perform pg_sleep((select sleep_ms from fault_control limit 1) / 1000.0);
  return true;
end $$;
insert into accounts
  select i, 'Account ' || i, (array['free','team','enterprise'])[1 + i % 3]
    from generate_series(1, ${ROWS.accounts}) i;
insert into people
  select i, 'person' || i || '@example.com', 'Person ' || i,
         1 + i % ${ROWS.accounts}
    from generate_series(1, ${ROWS.people}) i;
insert into clicks
  select i, 1 + i % ${ROWS.people},
         timestamptz '2024-05-01 00:00:00+00' + i * interval '1 second',
         '/page/' || (i % 37)
    from generate_series(1, ${ROWS.clicks}) i;
`;

/** Creates the tables and rows in the (empty) database at `url`. */
export async function fillWarehouse(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(SCHEMA);
  } finally {
    await client.end();
  }
}

/** Makes every read of clicks sleep `ms` first (0: no pause). */
export async function setReadPause(url: string, ms: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("update fault_control set sleep_ms = $1", [ms]);
  } finally {
    await client.end();
  }
}

export interface SourceState {
  readonly clickIds: ReadonlySet<number>;
  readonly people: ReadonlyMap<string, Record<string, unknown>>;
  readonly accounts: ReadonlyMap<string, Record<string, unknown>>;
}

/** What one clean run must leave in Mixpanel, read from the warehouse. */
export async function sourceState(url: string): Promise<SourceState> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const clicks = await client.query<{ id: number }>("select id from clicks");
    const people = await client.query<{
      id: number;
      email: string;
      name: string;
      account_id: number;
    }>("select id, email, name, account_id from people");
    const accounts = await client.query<{
      id: number;
      name: string;
      plan: string;
    }>("select id, name, plan from accounts");
    return {
      clickIds: new Set(clicks.rows.map((r) => r.id)),
      people: new Map(
        people.rows.map((p) => [
          String(p.id),
          { $email: p.email, $name: p.name, company_id: p.account_id },
        ]),
      ),
      accounts: new Map(
        accounts.rows.map((a) => [
          String(a.id),
          { $name: a.name, plan: a.plan },
        ]),
      ),
    };
  } finally {
    await client.end();
  }
}
