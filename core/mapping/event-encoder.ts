/**
 * The fast path of an events mapping: COPY text of a row → the `/import`
 * event's JSON bytes, with no row object, no record object and no second
 * serialisation.
 *
 * Contract: for a row it accepts, the bytes are exactly
 * `JSON.stringify(record)` of the record `compileEventMapper` makes from
 * the same row read by the cursor path, and that record passes every rule
 * the mapper checks. For anything unusual (a NULL or blank id, a time out
 * of range, a value that needs a rule's judgement, a string to truncate
 * inside a JSON value…) it declines, and the caller maps that one row the
 * general way, which also gives the exact rejection. Declining is always
 * correct; accepting must be exact.
 *
 * Compiles only mappings without functions (those need the row object)
 * and without property names that JavaScript orders before the others
 * (array indexes such as "7").
 */
import type { EventsTask } from "../builder/dag-definition.ts";
import { isForbiddenId, LIMITS, isValidUtf8String } from "../mixpanel/rules.ts";
import { checkProperties } from "../mixpanel/rules/values.ts";
import type { CopyColumn } from "../source/copy-stream.ts";
import type { CopyRowReader } from "../source/copy-rows.ts";
import { parseNumeric } from "../source/value-parsers.ts";
import { parseZone, type Zone } from "../source/zone.ts";
import { CURSOR_TEXT, CURSOR_US } from "../sync/keyset-sql.ts";
import {
  MAX_STRING_BYTES,
  ValueConverter,
  ValueProblem,
} from "./convert-value.ts";
import { eventTimeMs } from "./event-time.ts";
import { insertIdFor, keyText } from "./insert-id.ts";
import { JsonBytes, unescapedLength } from "./json-bytes.ts";
import {
  planProperties,
  RestColumns,
  type PropertyStep,
} from "./property-plan.ts";

const BOOL = 16;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const OID = 26;
const FLOAT4 = 700;
const FLOAT8 = 701;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;

type Writer = (out: JsonBytes, reader: CopyRowReader, c: number) => boolean;

const bytesOf = (text: string) => Buffer.from(text, "utf8");

/** Writes the digits of an integer column as they are. */
function digits(out: JsonBytes, reader: CopyRowReader, c: number): boolean {
  const data = reader.data;
  const end = reader.ends[c]!;
  out.reserve(end - reader.starts[c]!);
  const buf = out.buf;
  let pos = out.pos;
  for (let i = reader.starts[c]!; i < end; i++) buf[pos++] = data[i]!;
  out.pos = pos;
  return true;
}

function latin1(reader: CopyRowReader, c: number): string {
  return reader.data.toString("latin1", reader.starts[c]!, reader.ends[c]!);
}

/** A number as the converter leaves it: -0 is 0, NaN and ±∞ are text. */
function number(out: JsonBytes, value: number): void {
  if (Number.isFinite(value)) out.ascii(String(value === 0 ? 0 : value));
  else out.ascii(`"${String(value)}"`);
}

/** The writer of one column's values, by its type. */
function writerFor(column: CopyColumn, general: Writer): Writer {
  if (column.isText) {
    return (out, reader, c) => {
      const s = reader.starts[c]!;
      const e = reader.ends[c]!;
      // Longer than 255 bytes once unescaped: the converter cuts it.
      if (e - s > MAX_STRING_BYTES) {
        if (unescapedLength(reader.data, s, e) > MAX_STRING_BYTES) {
          return general(out, reader, c);
        }
      }
      const at = out.pos;
      if (out.copyText(reader.data, s, e)) return true;
      out.pos = at;
      return general(out, reader, c);
    };
  }
  switch (column.typeOid) {
    case BOOL:
      return (out, reader, c) => {
        out.ascii(reader.data[reader.starts[c]!] === 0x74 ? "true" : "false");
        return true;
      };
    case INT2:
    case INT4:
    case OID:
      return digits;
    case INT8:
      // Up to 15 digits it is a safe integer; beyond, the text rule may
      // apply: the general writer decides.
      return (out, reader, c) =>
        reader.ends[c]! - reader.starts[c]! <= 15
          ? digits(out, reader, c)
          : general(out, reader, c);
    case FLOAT4:
    case FLOAT8:
      return (out, reader, c) => {
        number(out, Number(latin1(reader, c)));
        return true;
      };
    case NUMERIC:
      return (out, reader, c) => {
        const value = parseNumeric(latin1(reader, c));
        if (typeof value !== "number") return general(out, reader, c);
        number(out, value);
        return true;
      };
    default:
      return general;
  }
}

/** Mapping text → Mixpanel time for timestamptz without a parser's Date. */
const TIMESTAMPTZ_TEXT =
  /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/;

export function timestamptzMs(text: string): number | undefined {
  const m = TIMESTAMPTZ_TEXT.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (year < 100) return undefined;
  const wall = Date.UTC(
    year,
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    Number((m[7] ?? "").slice(0, 3).padEnd(3, "0")),
  );
  const offset =
    Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0);
  return wall - (m[8] === "-" ? -1 : 1) * offset * 1000;
}

export interface EventEncoderOptions {
  now?: () => number;
}

export interface EventEncoder {
  /** The last accepted event's JSON: `out.buf[0, out.pos)`. */
  readonly out: JsonBytes;
  /** The insert-id column's text of the last accepted row. */
  key: string;
  /**
   * Writes the reader's current row as an event.
   * @returns false when the general mapper must take this row
   */
  encode(reader: CopyRowReader): boolean;
}

function isArrayIndex(name: string): boolean {
  return /^(0|[1-9]\d*)$/.test(name) && Number(name) < 2 ** 32 - 1;
}

/**
 * The fast path for `task` over these columns, or undefined when the
 * mapping needs the general one (functions, index-like names).
 */
export function compileEventEncoder(
  task: EventsTask,
  columns: readonly CopyColumn[],
  options: EventEncoderOptions = {},
): EventEncoder | undefined {
  const m = task.mapping;
  const event = m.event ?? task.id;
  if (typeof event === "function") return undefined;
  const steps: PropertyStep[] = planProperties(m.properties);
  if (steps.some((s) => s.fn !== undefined)) return undefined;

  const index = new Map(columns.map((c, i) => [c.name, i]));
  const col = (name: string | undefined) =>
    name === undefined ? undefined : index.get(name);
  const keyCol = col(m.insertId);
  const userCol = col(m.userId);
  const timeCol = col(m.time);
  const ipCol = col(m.ip);
  const eventCol = typeof event === "string" ? undefined : col(event.column);
  const named = [
    m.insertId,
    m.userId,
    m.time,
    m.ip,
    ...steps.map((s) => s.column),
  ];
  if (typeof event !== "string") named.push(event.column);
  // A missing column fails the task in the general mapper, with its message.
  if (named.some((name) => name !== undefined && !index.has(name))) {
    return undefined;
  }
  if (typeof event === "string" && event.trim() === "") return undefined;
  if (typeof event === "string" && !isValidUtf8String(event)) return undefined;

  if (m.includeRest) {
    const taken = new Set<string>([
      m.insertId,
      m.userId,
      m.time,
      ...(m.ip === undefined ? [] : [m.ip]),
      ...(typeof event === "string" ? [] : [event.column]),
      ...steps.map((s) => s.column!),
      ...steps.map((s) => s.name),
      CURSOR_TEXT,
      CURSOR_US,
    ]);
    const rest = new RestColumns("events", taken, {
      dag: task.dagId,
      task: task.id,
    });
    const shape: Record<string, unknown> = {};
    for (const c of columns) shape[c.name] = null;
    steps.push(...rest.steps(shape));
  }
  if (steps.some((s) => isArrayIndex(s.name) || !isValidUtf8String(s.name))) {
    return undefined;
  }

  const zone: Zone = parseZone(
    task.from.connection.timezone,
    task.from.connection.name,
  );
  const now = options.now ?? Date.now;
  const converter = new ValueConverter(true);
  const general: Writer = (out, reader, c) => {
    try {
      const value = converter.convert(reader.value(c));
      if (value === undefined) return false;
      if (typeof value === "object" && value !== null) {
        if (checkProperties({ v: value }, "properties", true)) return false;
      } else if (typeof value === "string" && !isValidUtf8String(value)) {
        return false;
      }
      out.json(value);
      return true;
    } catch (error) {
      if (error instanceof ValueProblem) return false;
      throw error;
    }
  };
  const props = steps.map((step) => {
    const c = index.get(step.column!)!;
    return {
      c,
      prefix: bytesOf(`,${JSON.stringify(step.name)}:`),
      write: writerFor(columns[c]!, general),
    };
  });

  const textOf = (reader: CopyRowReader, c: number): string | null =>
    columns[c]!.isText ? reader.text(c) : keyText(reader.value(c));
  const timeOf = (reader: CopyRowReader, c: number, nowMs: number) => {
    if (reader.isNull(c)) return undefined;
    if (columns[c]!.typeOid === TIMESTAMPTZ) {
      const ms = timestamptzMs(latin1(reader, c));
      if (ms === undefined) return undefined;
      // Same window as eventTimeMs; outside it the mapper explains.
      if (ms < LIMITS.minTimeMs || ms > nowMs + LIMITS.futureToleranceMs) {
        return undefined;
      }
      return ms;
    }
    const ms = eventTimeMs(reader.value(c), nowMs, zone);
    return typeof ms === "number" ? ms : undefined;
  };

  const HEAD = bytesOf('{"event":');
  const TIME = bytesOf(',"properties":{"time":');
  const DISTINCT = bytesOf(',"distinct_id":');
  const USER = bytesOf(',"$user_id":');
  const INSERT = bytesOf(',"$insert_id":"');
  const IP = bytesOf('","ip":');
  const CLOSE = bytesOf("}}");
  const constantName =
    typeof event === "string" ? bytesOf(JSON.stringify(event)) : undefined;
  const out = new JsonBytes();

  const encoder: EventEncoder = {
    out,
    key: "",
    encode(reader) {
      const key = textOf(reader, keyCol!);
      if (key === null || key === "") return false;
      const user = textOf(reader, userCol!);
      if (user === null || user === "" || isForbiddenId(user)) return false;
      const nowMs = now();
      const time = timeOf(reader, timeCol!, nowMs);
      if (time === undefined) return false;
      let name: string | undefined;
      if (eventCol !== undefined) {
        name = textOf(reader, eventCol) ?? undefined;
        if (name === undefined || name.trim() === "") return false;
      }
      let ip = "0";
      if (ipCol !== undefined) {
        const raw = reader.value(ipCol);
        if (typeof raw === "string" && raw !== "") ip = raw;
      }

      out.pos = 0;
      out.bytes(HEAD);
      if (constantName) out.bytes(constantName);
      else out.json(name);
      out.bytes(TIME);
      out.ascii(String(time));
      out.bytes(DISTINCT);
      out.json(user);
      out.bytes(USER);
      out.json(user);
      out.bytes(INSERT);
      out.ascii(insertIdFor(task.dagId, task.id, key));
      out.bytes(IP);
      out.json(ip);
      let count = 5;
      for (const prop of props) {
        if (reader.isNull(prop.c)) continue;
        out.bytes(prop.prefix);
        if (!prop.write(out, reader, prop.c)) return false;
        count++;
      }
      if (count > LIMITS.maxProperties) return false;
      out.bytes(CLOSE);
      if (out.pos > LIMITS.maxEventBytes) return false;
      encoder.key = key;
      return true;
    },
  };
  return encoder;
}
