/**
 * The TypeScript type of one result row, from what PostgreSQL said about
 * the query's columns. Types follow the source's normalisation rules
 * (`core/source/type-parsers.ts`): a column the server may return as NULL
 * is `T | null`; an enum becomes the union of its labels.
 */
import type { ColumnDescription } from "../../source/describe.ts";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property name as written in a type literal. */
export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

export function columnType(column: ColumnDescription): string {
  let type = column.tsType;
  if (column.enumValues?.length) {
    const labels = column.enumValues.map((v) => JSON.stringify(v)).join(" | ");
    type = column.isArray ? `Array<${labels} | null>` : labels;
  }
  return column.notNull ? type : `${type} | null`;
}

/**
 * The columns a row really has: when a query names a column twice, the row
 * object keeps the last value under that name.
 */
export function rowColumns(
  columns: readonly ColumnDescription[],
): ColumnDescription[] {
  const byName = new Map<string, ColumnDescription>();
  for (const column of columns) {
    byName.delete(column.name);
    byName.set(column.name, column);
  }
  return [...byName.values()];
}
