/**
 * SQL as tagged templates. Every interpolation becomes a bound parameter
 * (`$1`, `$2`, …), never text, so a value can not change the statement.
 *
 * A query may also hold deferred parameters (such as the run's data interval)
 * whose values are only known when a run starts; `bindQuery` resolves them.
 *
 * @example
 * const q = sql`select * from orders where id = ${id}`;
 * // q.text: "select * from orders where id = $1", q.values: [id]
 */
const ROW = Symbol("row");

/** A parameter whose value is supplied when the query runs. */
export class DeferredParam {
  constructor(
    /** Name looked up in the run context, e.g. `interval.start`. */
    readonly name: string,
  ) {}
}

/** A statement with its parameters. `Row` is the shape of one result row. */
export interface SqlQuery<Row = Record<string, unknown>> {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Phantom marker carrying the row type; never set at run time. */
  readonly [ROW]?: Row;
}

function isSqlQuery(value: unknown): value is SqlQuery {
  return (
    typeof value === "object" &&
    value !== null &&
    "text" in value &&
    "values" in value &&
    Object.isFrozen(value)
  );
}

/** Builds a parameterised query; nested queries are inlined as fragments. */
export function sql<Row = Record<string, unknown>>(
  strings: TemplateStringsArray,
  ...interpolations: unknown[]
): SqlQuery<Row> {
  let text = strings[0] ?? "";
  const values: unknown[] = [];

  interpolations.forEach((value, i) => {
    if (isSqlQuery(value)) {
      const offset = values.length;
      text += value.text.replace(/\$(\d+)/g, (_, n: string) => {
        return `$${Number(n) + offset}`;
      });
      values.push(...value.values);
    } else {
      values.push(value);
      text += `$${values.length}`;
    }
    text += strings[i + 1] ?? "";
  });

  return Object.freeze({ text, values: Object.freeze(values) });
}

/** Lists the deferred parameter names a query needs. */
export function deferredNames(query: SqlQuery): string[] {
  return query.values
    .filter((v): v is DeferredParam => v instanceof DeferredParam)
    .map((v) => v.name);
}

/**
 * Replaces deferred parameters with their values for one run.
 * @throws Error naming the parameter when the context lacks it
 */
export function bindQuery(
  query: SqlQuery,
  context: Readonly<Record<string, unknown>>,
): SqlQuery {
  const values = query.values.map((value) => {
    if (!(value instanceof DeferredParam)) return value;
    if (!(value.name in context)) {
      throw new Error(
        `query parameter ${value.name} has no value in this run ` +
          `(give it with --start/--end or run the DAG from the scheduler)`,
      );
    }
    return context[value.name];
  });
  return Object.freeze({ text: query.text, values: Object.freeze(values) });
}
