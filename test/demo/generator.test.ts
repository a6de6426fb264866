import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { generateShop } from "../../core/demo/generate-shop.ts";
import { addShopActivity, ACTIVITY } from "../../core/demo/shop-activity.ts";
import {
  ORDERS_FROM_1960,
  ORDERS_WITHOUT_USER,
  PAGE_VIEWS_WITH_BAD_ID,
  SHOP_COUNTS,
} from "../../core/demo/shop-spec.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";

/** A digest of every row of a table, to compare two builds. */
async function digest(client: pg.Client, table: string): Promise<string> {
  const { rows } = await client.query<{ sum: string }>(
    `select sum(hashtext(t::text)::numeric)::text as sum from shop.${table} t`,
  );
  return rows[0]!.sum;
}

async function one<T>(client: pg.Client, text: string): Promise<T> {
  const { rows } = await client.query(text);
  return Object.values(rows[0] as object)[0] as T;
}

describe("the demo shop generator", () => {
  let db: TestDatabase;
  let client: pg.Client;

  before(async () => {
    db = await createTestDatabase("bf_demo_gen");
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });

  after(async () => {
    await client.end();
    await db.drop();
  });

  it("builds the documented row counts once, then leaves them alone", async () => {
    const first = await generateShop(db.url);
    assert.equal(first.generated, true);
    assert.deepEqual(first.counts, SHOP_COUNTS);

    const second = await generateShop(db.url);
    assert.equal(second.generated, false);
    assert.deepEqual(second.counts, SHOP_COUNTS);
  });

  it("holds int8 ids beyond 2^53, unicode names and NULLs", async () => {
    const minUser = await one<string>(
      client,
      "select min(user_id)::text from shop.users",
    );
    assert.ok(BigInt(minUser) > 2n ** 53n, minUser);
    assert.notEqual(Number(minUser).toString(), minUser);

    const unicode = await one<number>(
      client,
      `select count(*)::int from shop.users
        where first_name ~ '[^\\x01-\\x7f]' or last_name ~ '[^\\x01-\\x7f]'`,
    );
    assert.ok(unicode > 1000, `unicode names: ${unicode}`);

    const nulls = await client.query(
      `select (select count(*)::int from shop.users where email is null) e,
              (select count(*)::int from shop.users where company_id is null) c,
              (select count(*)::int from shop.orders where discount is null) d,
              (select count(*)::int from shop.companies where seats is null) s`,
    );
    for (const [column, n] of Object.entries(nulls.rows[0] as object)) {
      assert.ok((n as number) > 0, `NULLs in ${column}`);
    }

    const longName = await one<number>(
      client,
      "select max(octet_length(name))::int from shop.companies",
    );
    assert.ok(longName > 255, "a company name longer than Mixpanel keeps");
  });

  it("uses numeric, naive timestamp and jsonb columns", async () => {
    const { rows } = await client.query<{ c: string; t: string }>(
      `select table_name || '.' || column_name as c, data_type as t
         from information_schema.columns where table_schema = 'shop'`,
    );
    const type = new Map(rows.map((r) => [r.c, r.t]));
    assert.equal(type.get("orders.amount"), "numeric");
    assert.equal(type.get("orders.created_at"), "timestamp without time zone");
    assert.equal(type.get("users.attributes"), "jsonb");
    assert.equal(type.get("orders.items"), "jsonb");

    const wide = await one<string>(
      client,
      "select max(credit_balance)::text from shop.users",
    );
    assert.ok(wide.replace(/\D/g, "").length > 17, `exact balance ${wide}`);
    const nested = await one<string>(
      client,
      "select attributes -> 'billing' ->> 'currency' from shop.companies limit 1",
    );
    assert.match(nested, /^(EUR|USD|SEK)$/);
  });

  it("plants the rows that must be rejected", async () => {
    const noUser = await client.query<{ order_id: string }>(
      "select order_id from shop.orders where user_id is null order by 1",
    );
    assert.deepEqual(
      noUser.rows.map((r) => Number(r.order_id)),
      [...ORDERS_WITHOUT_USER].sort((a, b) => a - b),
    );
    const old = await client.query<{ order_id: string }>(
      `select order_id from shop.orders
        where created_at < '1971-01-01' order by 1`,
    );
    assert.deepEqual(
      old.rows.map((r) => Number(r.order_id)),
      [...ORDERS_FROM_1960],
    );
    const bad = await client.query<{ anonymous_id: string }>(
      `select anonymous_id from shop.page_views
        where user_id is null and anonymous_id = any($1) order by 1`,
      [Object.values(PAGE_VIEWS_WITH_BAD_ID)],
    );
    assert.deepEqual(
      bad.rows.map((r) => r.anonymous_id),
      Object.values(PAGE_VIEWS_WITH_BAD_ID).sort(),
    );
  });

  it("builds the same rows again from the same seed", async () => {
    const before = [
      await digest(client, "orders"),
      await digest(client, "page_views"),
      await digest(client, "users"),
    ];
    const rebuilt = await generateShop(db.url, { fresh: true });
    assert.equal(rebuilt.generated, true);
    const after = [
      await digest(client, "orders"),
      await digest(client, "page_views"),
      await digest(client, "users"),
    ];
    assert.deepEqual(after, before);
  });

  it("adds a little new activity on top", async () => {
    const added = await addShopActivity(db.url);
    assert.deepEqual(added, ACTIVITY);
    const orders = await one<number>(
      client,
      "select count(*)::int from shop.orders",
    );
    assert.equal(orders, SHOP_COUNTS.orders + ACTIVITY.orders);
    const views = await one<number>(
      client,
      "select count(distinct view_id)::int from shop.page_views",
    );
    assert.equal(views, SHOP_COUNTS.pageViews + ACTIVITY.pageViews);
  });
});
