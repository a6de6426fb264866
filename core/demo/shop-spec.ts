/**
 * What the demo's sample shop warehouse holds: the fixed seed, the row
 * counts, the window its timestamps fall in and the rows planted to be
 * rejected. Tests and the demo summary read these; the SQL that builds the
 * rows lives in `shop-data.ts`.
 */

/** Same seed, same rows: every generated value derives from it. */
export const DEMO_SEED = 20240701;

/**
 * Bumped whenever the generated data changes shape, so an older demo
 * warehouse is rebuilt rather than half-reused.
 */
export const SHOP_VERSION = 1;

/** The PostgreSQL schema holding the shop's tables. */
export const SHOP_SCHEMA = "shop";

/** Rows per table, planted bad rows included. */
export const SHOP_COUNTS = Object.freeze({
  companies: 500,
  users: 10_000,
  orders: 50_000,
  pageViews: 200_000,
});

/** Company ids start past the int4 range. */
export const FIRST_COMPANY_ID = 4_000_000_001n;

/** User ids start past 2^53, where a double no longer holds every integer. */
export const FIRST_USER_ID = 9_007_199_254_740_993n;

/**
 * Orders and page views happen in this window of shop wall-clock time
 * (naive timestamps, read in the connection's declared zone).
 */
export const ACTIVITY_START = "2024-07-01 00:00:00";
export const ACTIVITY_DAYS = 364;

/** Orders whose user id is NULL (rejected: no distinct_id). */
export const ORDERS_WITHOUT_USER = Object.freeze([4242, 12345, 31337]);

/** Orders dated 1960 (rejected: Mixpanel refuses times before 1971). */
export const ORDERS_FROM_1960 = Object.freeze([777, 20001]);

/**
 * Anonymous page views whose device id is a placeholder Mixpanel refuses
 * as a distinct_id, by page-view number.
 */
export const PAGE_VIEWS_WITH_BAD_ID: Readonly<Record<number, string>> =
  Object.freeze({
    1001: "undefined",
    50002: "null",
    123456: "00000000-0000-0000-0000-000000000000",
  });

/** Every row the demo expects Mixpanel (or backflow first) to refuse. */
export const EXPECTED_REJECTS = Object.freeze({
  orders: ORDERS_WITHOUT_USER.length + ORDERS_FROM_1960.length,
  "page-views": Object.keys(PAGE_VIEWS_WITH_BAD_ID).length,
});
