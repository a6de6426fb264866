/**
 * The statements a keyed read runs: the user's query wrapped as a
 * subquery, filtered and ordered on the cursor and key columns. Values are
 * bound parameters cast to the columns' own types, so PostgreSQL compares
 * them at full precision (microseconds for timestamps), never JavaScript.
 */
import { sql, type SqlQuery } from "../source/sql.ts";
import { isDateType, type ReadPlan } from "./read-plan.ts";

/** The cursor as PostgreSQL prints it: exact, and castable back. */
export const CURSOR_TEXT = "__backflow_cursor";
/** The cursor in microseconds since the epoch (look-back tasks only). */
export const CURSOR_US = "__backflow_cursor_us";

/** Where the main read starts. */
export type ReadFrom =
  /** Rows strictly after (cursor, key): no look-back. */
  | { readonly kind: "after"; readonly cursor: string; readonly key: string }
  /** Rows whose cursor is at or after `cursor` minus the look-back. */
  | { readonly kind: "window"; readonly cursor: string }
  /** Rows whose key is after `key` (resuming an interval). */
  | { readonly kind: "key"; readonly key: string };

const raw = (text: string): SqlQuery =>
  Object.freeze({ text, values: Object.freeze([]) });

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function columns(plan: ReadPlan): SqlQuery {
  const cursor = plan.cursor;
  if (!cursor) return raw("q.*");
  const c = `q.${ident(cursor.column)}`;
  let text = `q.*, ${c}::text as ${CURSOR_TEXT}`;
  if (cursor.lookbackMs > 0) {
    // Whole seconds and microseconds apart: exact in every PostgreSQL
    // version (extract(epoch) is a double before version 14).
    const us = isDateType(cursor.typeOid)
      ? `extract(epoch from ${c})::int8 * 1000000`
      : `extract(epoch from date_trunc('second', ${c}))::int8 * 1000000 + ` +
        `extract(microseconds from ${c})::int8 % 1000000`;
    text += `, (${us}) as ${CURSOR_US}`;
  }
  return raw(text);
}

const cast = (type: string) => raw(`::${type}`);

/** The main read of a keyed task, in (cursor, key) or key order. */
export function mainQuery(
  base: SqlQuery,
  plan: ReadPlan,
  from: ReadFrom | undefined,
): SqlQuery {
  const k = raw(`q.${ident(plan.key.column)}`);
  const kType = cast(plan.key.type);
  const select = columns(plan);
  const cursor = plan.cursor;
  if (!cursor) {
    return from?.kind === "key"
      ? sql`select ${select} from (${base}) as q
            where ${k} > ${from.key}${kType} order by ${k}`
      : sql`select ${select} from (${base}) as q order by ${k}`;
  }

  const c = raw(`q.${ident(cursor.column)}`);
  const cType = cast(cursor.type);
  const order = sql`order by ${c}, ${k}`;
  if (from?.kind === "after") {
    return sql`select ${select} from (${base}) as q
               where (${c}, ${k}) > (${from.cursor}${cType}, ${from.key}${kType})
               ${order}`;
  }
  if (from?.kind === "window") {
    const seconds = cursor.lookbackMs / 1000;
    return sql`select ${select} from (${base}) as q
               where ${c} >= ${from.cursor}${cType}
                             - make_interval(secs => ${seconds})
               ${order}`;
  }
  return sql`select ${select} from (${base}) as q where ${c} is not null
             ${order}`;
}

/** Rows of the given keys (retrying earlier rejections). */
export function keysQuery(
  base: SqlQuery,
  plan: ReadPlan,
  keys: readonly string[],
): SqlQuery {
  const k = raw(`q.${ident(plan.key.column)}`);
  return sql`select ${columns(plan)} from (${base}) as q
             where ${k} = any(${[...keys]}${cast(plan.key.type + "[]")})`;
}

/** Rows whose cursor is NULL (cursor tasks): never sent, always reported. */
export function nullCursorQuery(base: SqlQuery, plan: ReadPlan): SqlQuery {
  const c = raw(`q.${ident(plan.cursor!.column)}`);
  const k = raw(`q.${ident(plan.key.column)}`);
  return sql`select ${columns(plan)} from (${base}) as q where ${c} is null
             order by ${k}`;
}
