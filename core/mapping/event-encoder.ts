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
import {
  FORBIDDEN_IDS,
  isForbiddenId,
  isValidUtf8String,
  LIMITS,
} from "../mixpanel/rules.ts";
import { checkProperties } from "../mixpanel/rules/values.ts";
import type { CopyColumn } from "../source/copy-stream.ts";
import type { CopyRowReader } from "../source/copy-rows.ts";
import { parseZone, type Zone } from "../source/zone.ts";
import { CURSOR_TEXT, CURSOR_US } from "../sync/keyset-sql.ts";
import {
  MAX_STRING_BYTES,
  ValueConverter,
  ValueProblem,
} from "./convert-value.ts";
import { jsonbValue, plainDecimal, timestamptzMs } from "./copy-values.ts";
import { eventTimeMs } from "./event-time.ts";
import { insertIdFor, keyText } from "./insert-id.ts";
import { unescapedLength, type JsonBytes } from "../mixpanel/json-bytes.ts";
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
const JSONB = 3802;

/** Mixpanel's placeholder ids (all ASCII, lowercase) by length. */
const FORBIDDEN_BY_LENGTH = new Map<number, Buffer[]>();
for (const id of FORBIDDEN_IDS) {
  const list = FORBIDDEN_BY_LENGTH.get(id.length) ?? [];
  list.push(Buffer.from(id, "latin1"));
  FORBIDDEN_BY_LENGTH.set(id.length, list);
}

const lower = (b: number) => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

/**
 * An id field that can be copied as it is: ASCII without escapes, not
 * empty, and no placeholder once lowercased (as `isForbiddenId` reads
 * it; lowercasing ASCII keeps it ASCII and its length).
 */
function plainId(data: Buffer, start: number, end: number): boolean {
  if (end === start) return false;
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    if (b >= 0x80 || b === 0x5c) return false;
  }
  const same = FORBIDDEN_BY_LENGTH.get(end - start);
  if (!same) return true;
  return !same.some((id) => {
    for (let i = 0; i < id.length; i++) {
      if (lower(data[start + i]!) !== id[i]) return false;
    }
    return true;
  });
}

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

/** Tries a byte writer, else leaves the value to the general one. */
function orGeneral(
  write: (out: JsonBytes, data: Buffer, start: number, end: number) => boolean,
  general: Writer,
): Writer {
  return (out, reader, c) => {
    const at = out.pos;
    if (write(out, reader.data, reader.starts[c]!, reader.ends[c]!)) {
      return true;
    }
    out.pos = at;
    return general(out, reader, c);
  };
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
    case NUMERIC:
      return orGeneral(plainDecimal, general);
    case JSONB:
      return orGeneral(jsonbValue, general);
    default:
      return general;
  }
}

export interface EventEncoderOptions {
  now?: () => number;
}

export interface EventEncoder {
  /** The column whose text (as `keyText` gives it) is the row key. */
  readonly keyColumn: number;
  /**
   * Writes the reader's current row as an event's JSON at `out.pos`.
   * @param key the insert-id column's `keyText`, read by the caller
   * @returns false when the general mapper must take this row (what was
   *   written is then the caller's to drop)
   */
  encode(reader: CopyRowReader, key: string | null, out: JsonBytes): boolean;
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
      const ms = timestamptzMs(reader.data, reader.starts[c]!, reader.ends[c]!);
      // Same window as eventTimeMs; outside it the mapper explains.
      if (
        ms === undefined ||
        ms < LIMITS.minTimeMs ||
        ms > nowMs + LIMITS.futureToleranceMs
      ) {
        return undefined;
      }
      return ms;
    }
    const ms = eventTimeMs(reader.value(c), nowMs, zone);
    return typeof ms === "number" ? ms : undefined;
  };
  /** An id column written as a JSON string; false when it is no id. */
  const idOf = (out: JsonBytes, reader: CopyRowReader, c: number) => {
    const s = reader.starts[c]!;
    const e = reader.ends[c]!;
    if (columns[c]!.isText && plainId(reader.data, s, e)) {
      return out.copyText(reader.data, s, e);
    }
    const id = textOf(reader, c);
    if (id === null || id === "" || isForbiddenId(id)) return false;
    if (columns[c]!.isText && out.copyText(reader.data, s, e)) return true;
    out.json(id);
    return true;
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
  const IP_ZERO = bytesOf('"0"');

  const encoder: EventEncoder = {
    keyColumn: keyCol!,
    encode(reader, key, out) {
      if (key === null || key === "") return false;
      const nowMs = now();
      const time = timeOf(reader, timeCol!, nowMs);
      if (time === undefined) return false;
      const start = out.pos;
      out.bytes(HEAD);
      if (constantName) out.bytes(constantName);
      else {
        const s = reader.starts[eventCol!]!;
        const e = reader.ends[eventCol!]!;
        const first = reader.data[s]!;
        // Starting with a visible ASCII character, it is not blank.
        const visible = first > 0x20 && first < 0x7f && first !== 0x5c;
        const at = out.pos;
        if (
          !(visible && columns[eventCol!]!.isText) ||
          !out.copyText(reader.data, s, e)
        ) {
          out.pos = at;
          const name = textOf(reader, eventCol!);
          if (name === null || name.trim() === "") return false;
          out.json(name);
        }
      }
      out.bytes(TIME);
      out.ascii(String(time));
      out.bytes(DISTINCT);
      const userAt = out.pos;
      if (!idOf(out, reader, userCol!)) return false;
      const userEnd = out.pos;
      out.bytes(USER);
      out.reserve(userEnd - userAt);
      out.pos += out.buf.copy(out.buf, out.pos, userAt, userEnd);
      out.bytes(INSERT);
      out.ascii(insertIdFor(task.dagId, task.id, key));
      out.bytes(IP);
      const ip = ipCol === undefined ? undefined : reader.value(ipCol);
      if (typeof ip === "string" && ip !== "") out.json(ip);
      else out.bytes(IP_ZERO);
      let count = 5;
      for (const prop of props) {
        if (reader.isNull(prop.c)) continue;
        out.bytes(prop.prefix);
        if (!prop.write(out, reader, prop.c)) return false;
        count++;
      }
      if (count > LIMITS.maxProperties) return false;
      out.bytes(CLOSE);
      return out.pos - start <= LIMITS.maxEventBytes;
    },
  };
  return encoder;
}
