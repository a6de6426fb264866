/**
 * The main job end to end: Pagila in a real PostgreSQL, `backflow run
 * pagila` as a real process, a real `backflow emulator` process as Mixpanel.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { runCli, startEmulatorProcess } from "../helpers/cli.ts";
import { loadPagila, skipWithoutPagila } from "../helpers/pagila.ts";

const TOKEN = "pagila-e2e-token";
const RENTALS = 16044;
const PAYMENTS = 16049;

interface Stats {
  events: number;
  duplicates: number;
  profiles: number;
  groups: number;
  rejected: number;
  requests: number;
}

interface StoredEvent {
  event: string;
  properties: Record<string, unknown>;
}

interface RequestLog {
  method: string;
  path: string;
  status: number;
}

async function syncOnce(pagila: TestDatabase) {
  const emulator = await startEmulatorProcess(["--token", TOKEN]);
  const store = await createTestDatabase("bf_meta");
  try {
    const result = await runCli(["run", "pagila", "--json"], {
      env: {
        PAGILA_URL: pagila.url,
        MIXPANEL_TOKEN: TOKEN,
        MIXPANEL_API_URL: emulator.url,
        BACKFLOW_DATABASE_URL: store.url,
      },
      timeoutMs: 300_000,
    });
    const events = (await emulator.text("/_emulator/events"))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StoredEvent);
    return {
      result,
      events,
      stats: await emulator.get<Stats>("/_emulator/stats"),
      requests: await emulator.get<RequestLog[]>("/_emulator/requests"),
      profiles: await emulator.get<Record<string, unknown>[]>(
        "/_emulator/profiles",
      ),
      groups:
        await emulator.get<Record<string, unknown>[]>("/_emulator/groups"),
    };
  } finally {
    await emulator.stop();
    await store.drop();
  }
}

type Sync = Awaited<ReturnType<typeof syncOnce>>;

function byInsertId(events: StoredEvent[]) {
  return new Map(events.map((e) => [e.properties.$insert_id as string, e]));
}

function findOne(
  events: StoredEvent[],
  name: string,
  user: string,
  time: number,
) {
  const found = events.filter(
    (e) =>
      e.event === name &&
      e.properties.distinct_id === user &&
      e.properties.time === time,
  );
  assert.equal(found.length, 1, `one ${name} of user ${user} at ${time}`);
  return found[0]!;
}

describe("backflow run pagila", { skip: skipWithoutPagila }, () => {
  let pagila: TestDatabase;
  let first: Sync;

  before(async () => {
    pagila = await loadPagila();
    first = await syncOnce(pagila);
  });
  after(async () => pagila?.drop());

  test("exits 0 and reports every row in its JSON summary", () => {
    assert.equal(first.result.code, 0, first.result.stderr);
    const summary = JSON.parse(first.result.stdout) as {
      state: string;
      totals: { rowsRead: number; recordsSent: number; rejected: number };
    };
    assert.equal(summary.state, "success");
    assert.equal(summary.totals.rejected, 0);
    assert.equal(summary.totals.rowsRead, RENTALS + PAYMENTS + 599 + 500);
    assert.equal(summary.totals.recordsSent, RENTALS + PAYMENTS + 599 + 500);
  });

  test("the emulator holds every rental, payment, customer and store", () => {
    assert.deepEqual(
      { ...first.stats, requests: undefined },
      {
        events: RENTALS + PAYMENTS,
        duplicates: 0,
        profiles: 599,
        groups: 500,
        rejected: 0,
        requests: undefined,
      },
    );
  });

  test("requests are no more than the batches those rows need", () => {
    const count = (path: string) =>
      first.requests.filter((r) => r.path.startsWith(path)).length;
    // The client sends 2000 events per /import and 500 profile updates per
    // /engage or /groups request.
    const eventBatches = Math.ceil(RENTALS / 2000) + Math.ceil(PAYMENTS / 2000);
    assert.ok(count("/import") <= eventBatches, `imports: ${count("/import")}`);
    assert.ok(count("/engage") <= Math.ceil(599 / 500), "engage requests");
    assert.ok(count("/groups") <= Math.ceil(500 / 500), "groups requests");
    assert.ok(first.requests.every((r) => r.status === 200));
  });

  test("a rental is stored with its exact payload", () => {
    // Rental 1: customer 130, 2022-05-24 21:53:30+00.
    const time = Date.UTC(2022, 4, 24, 21, 53, 30);
    const p = findOne(first.events, "Rental", "130", time).properties;
    assert.equal(p.$user_id, "130");
    assert.equal(p.film_title, "BLANKET BEVERLY");
    assert.deepEqual(p.categories, ["Comedy", "New", "Sci-Fi"]);
    assert.equal(p.rental_rate, 2.99);
    assert.equal(p.store_id, "1");
    assert.equal(p.ip, "0");
    assert.match(p.$insert_id as string, /^[A-Za-z0-9-]{1,36}$/);
  });

  test("a payment keeps its amount a number and its time in whole ms", () => {
    // Payment 16050: customer 269, 2022-06-21 07:41:50.707316+00.
    const time = Date.UTC(2022, 5, 21, 7, 41, 50, 707);
    const payment = findOne(first.events, "Payment", "269", time);
    assert.equal(payment.properties.amount, 1.99);
    assert.equal(typeof payment.properties.amount, "number");
    assert.equal(payment.properties.store_id, "2");
  });

  test("a customer profile carries e-mail, name, store and flags", () => {
    const mary = first.profiles.find((p) => p.$distinct_id === "1") as {
      $properties: Record<string, unknown>;
    };
    assert.ok(mary, "customer 1 has a profile");
    assert.equal(mary.$properties.$email, "MARY.SMITH@sakilacustomer.org");
    assert.equal(mary.$properties.$name, "MARY SMITH");
    assert.equal(mary.$properties.store_id, "1");
    assert.equal(mary.$properties.active, true);
    assert.equal(mary.$properties.$created, "2022-02-14");
  });

  test("a second sync from scratch stores identical events", async () => {
    const second = await syncOnce(pagila);
    assert.equal(second.result.code, 0, second.result.stderr);
    const a = byInsertId(first.events);
    const b = byInsertId(second.events);
    assert.equal(a.size, RENTALS + PAYMENTS);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [id, event] of a) {
      const other = b.get(id)!;
      assert.equal(other.event, event.event);
      assert.equal(other.properties.time, event.properties.time);
      assert.equal(other.properties.distinct_id, event.properties.distinct_id);
    }
  });
});
