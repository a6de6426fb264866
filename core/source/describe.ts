/**
 * Describes a query's result columns without reading a row: the cursor is
 * declared but never advanced, and `FETCH 0` returns only the row
 * description. Parameters not yet known (a run's interval) are sent as NULL,
 * which PostgreSQL types from their context.
 */
import { CURSOR, declareCursor, learnTypes } from "./read-stream.ts";
import { Session, type SourceContext } from "./session.ts";
import { toSourceError } from "./source-error.ts";
import type { SqlQuery } from "./sql.ts";

export interface ColumnDescription {
  readonly name: string;
  /** OID of the column's type (a domain reports its base type). */
  readonly typeOid: number;
  /** PostgreSQL's name for the type with its modifier, e.g. "numeric(10,2)". */
  readonly typeName: string;
  readonly isArray: boolean;
  /** The labels of an enum (or of an array's enum element), in order. */
  readonly enumValues?: readonly string[];
  /**
   * Whether the column is a table column declared NOT NULL. An outer join
   * may still yield NULL, so this is a hint, not a promise.
   */
  readonly notNull: boolean;
  /** The TypeScript type of a non-NULL value as backflow reads it. */
  readonly tsType: string;
}

interface CatalogRow {
  typeName: string;
  category: string;
  notNull: boolean | null;
  enumValues: string[] | null;
}

const CATALOG_SQL = `
select format_type(c.oid, c.mod) as "typeName",
       t.typcategory as category,
       a.attnotnull as "notNull",
       (select array_agg(e.enumlabel order by e.enumsortorder)
          from pg_enum e
         where e.enumtypid = case when t.typcategory = 'A'
                                  then t.typelem else t.oid end
       ) as "enumValues"
  from unnest($1::oid[], $2::int4[], $3::oid[], $4::int2[])
       with ordinality as c(oid, mod, rel, att, i)
  join pg_type t on t.oid = c.oid
  left join pg_attribute a on a.attrelid = c.rel and a.attnum = c.att
 order by c.i`;

export async function describeQuery(
  ctx: SourceContext,
  query: SqlQuery,
): Promise<ColumnDescription[]> {
  const declared = declareCursor(ctx, query, true);
  const session = await Session.open(ctx, true);
  try {
    await session.query(declared.statement);
    const { fields } = await session.query(`fetch forward 0 from ${CURSOR}`);
    await learnTypes(session, fields);
    const catalog = await session.query<CatalogRow>({
      text: CATALOG_SQL,
      values: [
        fields.map((f) => f.dataTypeID),
        fields.map((f) => f.dataTypeModifier),
        fields.map((f) => f.tableID),
        fields.map((f) => f.columnID),
      ],
    });

    return fields.map((field, i) => {
      const row = catalog.rows[i];
      const enumValues = row?.enumValues ?? undefined;
      return {
        name: field.name,
        typeOid: field.dataTypeID,
        typeName: row?.typeName ?? String(field.dataTypeID),
        isArray: row?.category === "A",
        ...(enumValues ? { enumValues } : {}),
        notNull: row?.notNull === true,
        tsType: ctx.parsers.tsTypeOf(field.dataTypeID),
      };
    });
  } catch (error) {
    throw toSourceError(error, declared.context);
  } finally {
    await session.end(false);
  }
}
