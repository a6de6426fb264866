import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import type { TestDatabase } from "../helpers/database.ts";
import { loadPagila, skipWithoutPagila } from "../helpers/pagila.ts";

let db: TestDatabase | undefined;

before(async () => {
  if (!skipWithoutPagila) db = await loadPagila();
});
after(async () => db?.drop());

test(
  "Pagila loads through pg alone with its documented row counts",
  { skip: skipWithoutPagila },
  async () => {
    const client = new pg.Client({ connectionString: db!.url });
    await client.connect();
    const { rows } = await client.query(`select
      (select count(*) from rental)::int as rentals,
      (select count(*) from payment)::int as payments,
      (select count(*) from customer)::int as customers,
      (select count(*) from store)::int as stores`);
    await client.end();
    assert.deepEqual(rows[0], {
      rentals: 16044,
      payments: 16049,
      customers: 599,
      stores: 500,
    });
  },
);
