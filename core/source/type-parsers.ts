/**
 * How PostgreSQL values become JS values in backflow. The parsers belong to
 * one connection pool (pg's `types` option); pg's global parsers are never
 * changed, so other code in the process keeps its own.
 *
 * | PostgreSQL                               | JS                             |
 * |------------------------------------------|--------------------------------|
 * | int2, int4, oid, float4, float8          | number                         |
 * | int8                                     | number within ±(2^53−1), else  |
 * |                                          | the exact decimal text         |
 * | numeric                                  | number when it round-trips (≤15|
 * |                                          | significant digits, or a safe  |
 * |                                          | integer), else the exact text; |
 * |                                          | NaN, ±Infinity → text          |
 * | bool                                     | boolean                        |
 * | text, varchar, char, name, uuid, xml     | string                         |
 * | timestamptz                              | Date (exact to the ms)         |
 * | timestamp (without time zone)            | Date, read as wall time in the |
 * |                                          | connection's declared zone     |
 * | timestamp ±infinity, or beyond a Date    | the text "infinity" /          |
 * |                                          | "-infinity" / as printed, so a |
 * |                                          | mapping can reject it by name  |
 * | date                                     | "YYYY-MM-DD" text (no shift)   |
 * | time, timetz, interval                   | text                           |
 * | json, jsonb                              | parsed value                   |
 * | bytea                                    | base64 text                    |
 * | money, inet, cidr, macaddr, ranges,      | text                           |
 * | enums, anything else                     |                                |
 * | arrays of any of these                   | JS arrays of such values       |
 * | NULL                                     | null                           |
 *
 * Note: a Date holds milliseconds; finer digits are dropped from values.
 * Checkpoints that need them read the column as text instead.
 * Note: json numbers beyond 2^53 lose precision in `JSON.parse`.
 */
import pg from "pg";
import type { CustomTypesConfig } from "pg";
import { parseArray } from "./pg-array.ts";
import {
  parseBool,
  parseBytea,
  parseInt8,
  parseNumeric,
  timestampParser,
} from "./value-parsers.ts";
import type { Zone } from "./zone.ts";

type Parser = (text: string) => unknown;

interface Rule {
  readonly parse: Parser;
  /** The TypeScript type of a non-NULL value, for typegen. */
  readonly tsType: string;
}

/** What the catalog says about a type the built-in table does not know. */
export interface CatalogType {
  readonly oid: number;
  /** pg_type.typcategory, e.g. "A" array, "E" enum. */
  readonly category: string;
  /** pg_type.typelem for arrays, else 0. */
  readonly elementOid: number;
}

const text: Rule = { parse: (v) => v, tsType: "string" };
const number: Rule = { parse: Number, tsType: "number" };

function scalarRules(zone: Zone): Map<number, Rule> {
  const timestamp: Rule = {
    parse: timestampParser(zone),
    tsType: "Date | string",
  };
  const json: Rule = { parse: (v) => JSON.parse(v), tsType: "unknown" };
  return new Map<number, Rule>([
    [16, { parse: parseBool, tsType: "boolean" }],
    [17, { parse: parseBytea, tsType: "string" }],
    [20, { parse: parseInt8, tsType: "number | string" }],
    [21, number],
    [23, number],
    [26, number],
    [700, number],
    [701, number],
    [1700, { parse: parseNumeric, tsType: "number | string" }],
    [114, json],
    [3802, json],
    [1114, timestamp],
    [1184, timestamp],
  ]);
}

/** Array type OID → element type OID, for the built-in types. */
// prettier-ignore
const ARRAYS = new Map<number, number>([
  [1000, 16], [1001, 17], [1002, 18], [1003, 19], [1005, 21], [1007, 23],
  [1009, 25], [1014, 1042], [1015, 1043], [1016, 20], [1021, 700],
  [1022, 701], [1028, 26], [1115, 1114], [1182, 1082], [1183, 1083],
  [1185, 1184], [1187, 1186], [1231, 1700], [1270, 1266], [199, 114],
  [3807, 3802], [2951, 2950], [791, 790], [1041, 869], [651, 650],
  [1040, 829], [143, 142],
]);

/** The type parsers of one connection pool. */
export class TypeParsers {
  readonly #rules: Map<number, Rule>;
  readonly #learned = new Set<number>();

  constructor(zone: Zone) {
    this.#rules = scalarRules(zone);
    for (const [arrayOid, elementOid] of ARRAYS) {
      this.#rules.set(arrayOid, this.#arrayRule(elementOid));
    }
  }

  /** The value for pg's `types` option. */
  get config(): CustomTypesConfig {
    const getTypeParser = (oid: number, format?: string): Parser => {
      if (format === "binary") return pg.types.getTypeParser(oid, "binary");
      return this.#rules.get(oid)?.parse ?? text.parse;
    };
    return { getTypeParser } as CustomTypesConfig;
  }

  /** OIDs among `oids` that may need a catalog look-up. */
  unknown(oids: readonly number[]): number[] {
    return oids.filter(
      (oid) => !this.#rules.has(oid) && !this.#learned.has(oid) && oid > 0,
    );
  }

  /** Adds parsers for arrays (e.g. of enums) found in the catalog. */
  learn(types: readonly CatalogType[]): void {
    for (const type of types) {
      this.#learned.add(type.oid);
      if (type.category === "A" && type.elementOid > 0) {
        this.#rules.set(type.oid, this.#arrayRule(type.elementOid));
      }
    }
  }

  /** Whether values of this type are read as their text, unchanged. */
  isText(oid: number): boolean {
    return !this.#rules.has(oid);
  }

  tsTypeOf(oid: number): string {
    return this.#rules.get(oid)?.tsType ?? text.tsType;
  }

  #arrayRule(elementOid: number): Rule {
    const element = this.#rules.get(elementOid) ?? text;
    const tsElement = element.tsType.includes(" ")
      ? `(${element.tsType})`
      : element.tsType;
    return {
      parse: (v) => parseArray(v, element.parse),
      tsType: `Array<${tsElement} | null>`,
    };
  }
}
