// What a user of mixpanel-import writes to send a PostgreSQL table: rows
// from pg-query-stream, mapped to events, into its object-stream API.
//
//   MP_EMULATOR=http://127.0.0.1:PORT BENCH_SOURCE_URL=postgres://… \
//   BENCH_ROWS=1000000 MI_WORKERS=25 MI_COMPRESS=1 MI_LEVEL=1 \
//   node --import ./redirect-undici.mjs mixpanel-import-adapter.mjs
//
// Prints mixpanel-import's summary as one JSON line.
import { createRequire } from "node:module";
import { Transform } from "node:stream";
import pg from "pg";
import QueryStream from "pg-query-stream";

const require = createRequire(import.meta.url);
const mp = require("mixpanel-import");

const rows = Number(process.env.BENCH_ROWS ?? "1000000");
const workers = Number(process.env.MI_WORKERS ?? "25");
const level = Number(process.env.MI_LEVEL ?? "0");
const table = process.env.BENCH_TABLE ?? "events";

const client = new pg.Client({
  connectionString: process.env.BENCH_SOURCE_URL,
  application_name: "bench:mixpanel-import",
});
await client.connect();

const query =
  table === "events"
    ? `select id, insert_key, user_id, event, created_at, amount, price,
              is_trial, city, note, props
         from events where id <= $1`
    : `select * from ${table} where id <= $1`;
const source = client.query(
  new QueryStream(query, [rows], { batchSize: 1000 }),
);

// pg gives numeric as text; a user sends it as a number.
const toEvent =
  table === "events"
    ? (row) => ({
        event: row.event,
        properties: {
          time: row.created_at.getTime(),
          distinct_id: row.user_id,
          $insert_id: row.insert_key,
          ip: "0",
          amount: row.amount === null ? null : Number(row.amount),
          price: row.price,
          is_trial: row.is_trial,
          city: row.city,
          note: row.note,
          props: row.props,
        },
      })
    : (row) => {
        const { id, insert_key, user_id, created_at, ...rest } = row;
        void id;
        return {
          event: "Report Generated",
          properties: {
            time: created_at.getTime(),
            distinct_id: user_id,
            $insert_id: insert_key,
            ip: "0",
            ...rest,
          },
        };
      };

const events = source.pipe(
  new Transform({
    objectMode: true,
    transform(row, _encoding, done) {
      done(null, toEvent(row));
    },
  }),
);

const summary = await mp({ token: "bench-token" }, events, {
  recordType: "event",
  workers,
  fastMode: true,
  compress: level > 0,
  compressionLevel: level > 0 ? level : 6,
  abridged: true,
  verbose: false,
  showProgress: false,
  logs: false,
  strict: true,
});
await client.end();
process.stdout.write(
  JSON.stringify({
    total: summary.total,
    success: summary.success,
    failed: summary.failed,
    requests: summary.requests,
    retries: summary.retries,
  }) + "\n",
);
process.exit(0);
