/**
 * Builds the demo shop warehouse in a PostgreSQL database, once: a second
 * call finds the same version and seed and leaves the data alone, so the
 * demo's second run shows incremental sync rather than a new data set.
 *
 * @example
 * const shop = await generateShop(url);
 * // shop.generated: false when it was already there
 */
import pg from "pg";
import { BackflowError } from "../errors.ts";
import { registerUrlSecret } from "../util/redact.ts";
import { dataStatements } from "./shop-data.ts";
import { keyStatements, schemaStatements } from "./shop-schema.ts";
import { DEMO_SEED, SHOP_SCHEMA, SHOP_VERSION } from "./shop-spec.ts";

export interface GenerateShopOptions {
  /** Drop the shop and build it again even if it is current. */
  readonly fresh?: boolean;
}

export interface ShopTableCounts {
  readonly companies: number;
  readonly users: number;
  readonly orders: number;
  readonly pageViews: number;
}

export interface GenerateShopResult {
  /** Whether this call built the data (false: it was already there). */
  readonly generated: boolean;
  readonly counts: ShopTableCounts;
  readonly ms: number;
}

const SHOP_TABLES = ["companies", "users", "orders", "page_views"]
  .map((t) => `${SHOP_SCHEMA}.${t}`)
  .join(", ");

/** Two demos starting at once build the shop once. */
const LOCK_KEY = 0x5_40_9_de_90;

async function isCurrent(client: pg.Client): Promise<boolean> {
  const found = await client.query<{ ok: boolean }>(
    `select to_regclass($1) is not null as ok`,
    [`${SHOP_SCHEMA}.demo_info`],
  );
  if (!found.rows[0]?.ok) return false;
  const info = await client.query(
    `select 1 from ${SHOP_SCHEMA}.demo_info
      where version = $1 and seed = $2`,
    [SHOP_VERSION, DEMO_SEED],
  );
  return (info.rowCount ?? 0) > 0;
}

async function countRows(client: pg.Client): Promise<ShopTableCounts> {
  const s = SHOP_SCHEMA;
  const { rows } = await client.query<ShopTableCounts>(
    `select (select count(*) from ${s}.companies)::int as companies,
            (select count(*) from ${s}.users)::int as users,
            (select count(*) from ${s}.orders)::int as orders,
            (select count(*) from ${s}.page_views)::int as "pageViews"`,
  );
  return rows[0]!;
}

async function build(client: pg.Client): Promise<void> {
  await client.query(`drop schema if exists ${SHOP_SCHEMA} cascade`);
  for (const statement of schemaStatements()) await client.query(statement);
  for (const { text, values } of dataStatements()) {
    await client.query(text, [...values]);
  }
  for (const statement of keyStatements()) await client.query(statement);
}

/**
 * Makes sure the shop is in the database at `url`.
 * @throws BackflowError (SOURCE_QUERY) when the database refuses a
 *   statement, e.g. for lack of the CREATE privilege
 */
export async function generateShop(
  url: string,
  options: GenerateShopOptions = {},
): Promise<GenerateShopResult> {
  registerUrlSecret(url);
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1)", [LOCK_KEY]);
    const current = !options.fresh && (await isCurrent(client));
    if (!current) await build(client);
    await client.query("commit");
    if (!current) await client.query(`analyze ${SHOP_TABLES}`);
    return {
      generated: !current,
      counts: await countRows(client),
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw new BackflowError(
      "SOURCE_QUERY",
      `could not build the demo shop in schema "${SHOP_SCHEMA}": ` +
        `${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}
