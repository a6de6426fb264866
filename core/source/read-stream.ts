/**
 * Streams a query's rows in batches through a server-side cursor, inside a
 * read-only transaction. Memory holds one batch at a time whatever the
 * table's size: the server keeps the cursor's position and the client asks
 * for the next `batchSize` rows only when the consumer wants them.
 *
 * A faster COPY-based reader can take the same signature later; callers only
 * see `AsyncIterable<Row[]>`.
 */
import type { FieldDef } from "pg";
import { bindValues } from "./bind-values.ts";
import { abortedError, Session, type SourceContext } from "./session.ts";
import { SourceError, toSourceError } from "./source-error.ts";
import type { SqlQuery } from "./sql.ts";

export interface StreamOptions {
  /** Rows per batch (default: 5000). */
  readonly batchSize?: number;
  /** Stops the stream, cancelling the statement in flight. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_BATCH_SIZE = 5000;
export const CURSOR = "backflow_cursor";
const DECLARE = `declare ${CURSOR} no scroll cursor for `;

/** The statement that opens the cursor; exported for `describe`. */
export function declareCursor(
  ctx: SourceContext,
  query: SqlQuery<unknown>,
  nullForDeferred = false,
) {
  const text = query.text.replace(/[\s;]+$/, "");
  const values = bindValues(query.values, {
    connection: ctx.name,
    zone: ctx.zone,
    nullForDeferred,
  });
  return {
    // Extended protocol even without values: it runs exactly one statement,
    // so a `;` in the text can not end the read-only transaction.
    statement: { text: DECLARE + text, values, queryMode: "extended" as const },
    context: {
      connection: ctx.name,
      query: text,
      queryOffset: DECLARE.length,
      statementTimeoutMs: ctx.statementTimeoutMs,
    },
  };
}

/** Makes sure every column of the result has a parser. */
export async function learnTypes(session: Session, fields: FieldDef[]) {
  const oids = session.ctx.parsers.unknown(fields.map((f) => f.dataTypeID));
  if (oids.length === 0) return;
  const result = await session.query<{
    oid: number;
    category: string;
    elementOid: number;
  }>({
    text:
      'select oid, typcategory as category, typelem as "elementOid" ' +
      "from pg_type where oid = any($1::oid[])",
    values: [oids],
  });
  session.ctx.parsers.learn(result.rows);
}

export async function* streamRows<Row>(
  ctx: SourceContext,
  query: SqlQuery<Row>,
  options: StreamOptions = {},
): AsyncGenerator<Row[], void, undefined> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SourceError(
      `connection "${ctx.name}": batchSize must be a positive integer`,
      { connection: ctx.name },
    );
  }
  const { signal } = options;
  if (signal?.aborted) throw abortedError(ctx.name, signal);

  const declared = declareCursor(ctx, query);
  const session = await Session.open(ctx, true);
  const unwatch = session.watch(signal);
  let finished = false;
  try {
    await session.query(declared.statement);
    const head = await session.query(`fetch forward 0 from ${CURSOR}`);
    checkColumns(ctx.name, head.fields);
    await learnTypes(session, head.fields);

    for (;;) {
      if (signal?.aborted) throw abortedError(ctx.name, signal);
      const batch = await session.query<Row>(
        `fetch forward ${batchSize} from ${CURSOR}`,
      );
      if (batch.rows.length > 0) yield batch.rows;
      if (batch.rows.length < batchSize) break;
    }
    finished = true;
  } catch (error) {
    if (signal?.aborted) throw abortedError(ctx.name, signal);
    throw toSourceError(error, declared.context);
  } finally {
    unwatch();
    // A consumer that stops early leaves the transaction to roll back.
    await session.end(finished);
  }
}

// pg builds one object per row, so two columns of one name would silently
// collapse into one property.
export function checkColumns(name: string, fields: FieldDef[]) {
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) {
      throw new SourceError(
        `connection "${name}": the query returns two columns named ` +
          `"${field.name}"; give one of them another name with AS`,
        { connection: name },
      );
    }
    seen.add(field.name);
  }
}
