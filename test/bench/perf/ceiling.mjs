// The machine's ceiling for the events benchmark: the least work that
// turns the table's rows into the request bodies backflow sends, and no
// HTTP. COPY text is read as bytes; each event is written as JSON bytes
// straight into the batch buffer (the COPY escapes \\ \n \t \r \b \f are
// JSON escapes already, so most fields are copied as they are), with the
// same fields and `$insert_id` hash as backflow; NDJSON batches of 2000
// are gzipped at level 1 on the threadpool, 4 at once. Bodies are written
// to SPOOL_DIR when set, so the same check as for the tools can read them.
//
//   BENCH_SOURCE_URL=postgres://… BENCH_ROWS=1000000 SPOOL_DIR=… \
//   node test/bench/perf/ceiling.mjs
import { hash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import pg from "pg";
import copyStreams from "pg-copy-streams";

const gzip = promisify(gzipCallback);
const rows = Number(process.env.BENCH_ROWS ?? "1000000");
const spool = process.env.SPOOL_DIR;
const BATCH = 2000;
const IN_FLIGHT = 4;
const CAPACITY = 10 << 20;

const client = new pg.Client({
  connectionString: process.env.BENCH_SOURCE_URL,
  application_name: "bench:ceiling",
});
await client.connect();
await client.query("set timezone = 'UTC'; set extra_float_digits = 3");

let count = 0;
let files = 0;
let rawBytes = 0;
let wireBytes = 0;
let out = Buffer.allocUnsafe(CAPACITY);
let o = 0;
let inBatch = 0;
const pending = new Set();

// Batch buffers are reused once gzipped: a fresh 10 MB buffer per batch
// makes V8 collect garbage for the external memory alone.
const free = [];

async function flush() {
  if (inBatch === 0) return;
  const full = out;
  const body = out.subarray(0, o - 1);
  o = 0;
  inBatch = 0;
  rawBytes += body.length;
  while (pending.size >= IN_FLIGHT) await Promise.race(pending);
  out = free.pop() ?? Buffer.allocUnsafe(CAPACITY);
  const job = gzip(body, { level: 1, chunkSize: 1 << 20 }).then(async (gz) => {
    free.push(full);
    wireBytes += gz.length;
    if (spool) {
      files += 1;
      const name = `c${String(files).padStart(7, "0")}-import.gz`;
      await writeFile(join(spool, name), gz);
    }
  });
  const tracked = job.finally(() => pending.delete(tracked));
  pending.add(tracked);
}

const bytes = (text) => Buffer.from(text, "utf8");
const HEAD = bytes('{"event":"');
const TIME = bytes('","properties":{"time":');
const DISTINCT = bytes(',"distinct_id":"');
const USER = bytes('","$user_id":"');
const INSERT = bytes('","$insert_id":"');
const IP = bytes('","ip":"0"');
const NAMES = ["amount", "price", "is_trial", "city", "note", "props"].map(
  (name) => bytes(`,"${name}":`),
);
const TAIL = bytes("}}\n");

function put(constant) {
  for (let i = 0; i < constant.length; i++) out[o++] = constant[i];
}

// A COPY text field as the inside of a JSON string. COPY's escapes of
// backslash, \n, \t, \r, \b and \f are JSON's too; \v and raw control
// bytes need \u escapes, and quotes a backslash.
function text(data, s, e) {
  for (let i = s; i < e; i++) {
    const b = data[i];
    if (b === 0x22) {
      out[o++] = 0x5c;
      out[o++] = 0x22;
    } else if (b === 0x5c && data[i + 1] === 0x76) {
      put(V_ESCAPE);
      i++;
    } else if (b === 0x5c) {
      out[o++] = 0x5c;
      out[o++] = data[++i];
    } else if (b < 0x20) {
      o += out.latin1Write(`\\u00${b < 16 ? "0" : ""}${b.toString(16)}`, o);
    } else out[o++] = b;
  }
}
const V_ESCAPE = bytes("\\u000b");

// jsonb: drop COPY's escaping of backslashes; the text is JSON already.
function raw(data, s, e) {
  for (let i = s; i < e; i++) {
    const b = data[i];
    if (b === 0x5c) i++;
    out[o++] = data[i];
  }
}

const digit = (data, i) => data[i] - 48;
const two = (data, i) => digit(data, i) * 10 + digit(data, i + 1);

// "2024-01-01 00:00:00.997+00" → epoch ms (UTC session, as seeded).
function timeMs(data, s, e) {
  const zone = e - 3;
  let ms = 0;
  if (zone > s + 19) {
    let scale = 100;
    for (let i = s + 20; i < zone && scale >= 1; i++, scale /= 10) {
      ms += digit(data, i) * scale;
    }
  }
  return (
    Date.UTC(
      two(data, s) * 100 + two(data, s + 2),
      two(data, s + 5) - 1,
      two(data, s + 8),
      two(data, s + 11),
      two(data, s + 14),
      two(data, s + 17),
    ) + ms
  );
}

const starts = new Int32Array(16);
const ends = new Int32Array(16);
const isNull = (data, c) =>
  ends[c] - starts[c] === 2 &&
  data[starts[c]] === 0x5c &&
  data[starts[c] + 1] === 0x4e;

// One row starting at `p`; returns the offset after its newline.
function event(data, p) {
  let c = 0;
  starts[0] = p;
  for (;;) {
    const b = data[p];
    if (b === 9) {
      ends[c++] = p;
      starts[c] = p + 1;
    } else if (b === 10) {
      ends[c] = p;
      break;
    }
    p++;
  }
  put(HEAD);
  text(data, starts[3], ends[3]);
  put(TIME);
  o += out.latin1Write(String(timeMs(data, starts[4], ends[4])), o);
  put(DISTINCT);
  text(data, starts[2], ends[2]);
  put(USER);
  text(data, starts[2], ends[2]);
  put(INSERT);
  const key = data.utf8Slice(starts[1], ends[1]);
  o += out.latin1Write(hash("sha256", `perf:events:${key}`, "hex"), o, 32);
  put(IP);
  for (let k = 0; k < 6; k++) {
    const col = 5 + k;
    if (isNull(data, col)) continue;
    put(NAMES[k]);
    const s = starts[col];
    const e = ends[col];
    if (k === 0 || k === 1) {
      o += out.latin1Write(String(Number(data.latin1Slice(s, e))), o);
    } else if (k === 2) {
      o += out.latin1Write(data[s] === 0x74 ? "true" : "false", o);
    } else if (k === 5) {
      raw(data, s, e);
    } else {
      out[o++] = 0x22;
      text(data, s, e);
      out[o++] = 0x22;
    }
  }
  put(TAIL);
  return p + 1;
}

const stream = client.query(
  copyStreams.to(
    `copy (select id, insert_key, user_id, event, created_at, amount,
                  price, is_trial, city, note, props
             from events where id <= ${rows}) to stdout`,
  ),
);
let rest = Buffer.alloc(0);
for await (const chunk of stream) {
  const data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
  const end = data.lastIndexOf(10) + 1;
  let p = 0;
  while (p < end) {
    p = event(data, p);
    count += 1;
    if (++inBatch === BATCH) await flush();
  }
  rest = data.subarray(end);
}
await flush();
await Promise.all(pending);
await client.end();
process.stdout.write(
  JSON.stringify({ rows: count, files, rawBytes, wireBytes }) + "\n",
);
