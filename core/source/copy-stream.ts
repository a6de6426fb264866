/**
 * Streams a read query with `COPY (…) TO STDOUT`, several times cheaper
 * than a cursor's row objects: the rows arrive as COPY text and the
 * consumer decides what to build from them (`CopyPage.toRows()` gives the
 * same rows as the cursor path, by the same type rules).
 *
 * Same guarantees as the cursor read: one read-only transaction with the
 * session settings of `session.ts`, cancelled on abort, rolled back when
 * the consumer stops early. One difference: a COPY is one statement for
 * the whole read, so the statement timeout applies to the wait for each
 * next piece of data (as it does to each FETCH of the cursor path), not
 * to the whole read; the server-side timeout is lifted for the COPY and
 * a timer here cancels it after `statementTimeoutMs` without data.
 */
import type { FieldDef } from "pg";
import { BackflowError } from "../errors.ts";
import { literalFor, inlineParameters } from "./copy-sql.ts";
import { pageRows } from "./copy-rows.ts";
import {
  CURSOR,
  declareCursor,
  learnTypes,
  checkColumns,
  DEFAULT_BATCH_SIZE,
  type StreamOptions,
} from "./read-stream.ts";
import { abortedError, Session, type SourceContext } from "./session.ts";
import { SourceError, toSourceError } from "./source-error.ts";
import type { SqlQuery } from "./sql.ts";

export interface CopyColumn {
  readonly name: string;
  readonly typeOid: number;
  /** Read as its text, unchanged (no type rule applies). */
  readonly isText: boolean;
}

/**
 * Rows of COPY text: fields split by tabs, rows ended by "\n". Each part
 * holds whole rows, in order.
 */
export interface CopyPage {
  readonly columns: readonly CopyColumn[];
  readonly parts: readonly Buffer[];
  /** Each column's parser, as the cursor path uses it. */
  readonly parsers: readonly ((text: string) => unknown)[];
  /** The rows as the cursor path gives them (same parsers, same shape). */
  toRows<Row = Record<string, unknown>>(): Row[];
}

/** Pages are cut at a row end before they pass this many bytes. */
const PAGE_BYTES = 8 * 1024 * 1024;
const PROBE = "backflow_copy_probe";

/** The types PostgreSQL inferred for the query's parameters. */
async function parameterTypes(
  session: Session,
  text: string,
): Promise<string[]> {
  await session.query(`prepare ${PROBE} as ${text}\n`);
  const { rows } = await session.query<{ types: string[] }>(
    `select parameter_types::text[] as types from pg_prepared_statements ` +
      `where name = '${PROBE}'`,
  );
  await session.query(`deallocate ${PROBE}`);
  return rows[0]?.types ?? [];
}

/** The COPY statement for `query`, its parameters inlined. */
async function copyText(
  session: Session,
  text: string,
  values: readonly unknown[],
): Promise<string> {
  // The text is one statement (the cursor, declared with the extended
  // protocol, proved it); on lines of its own, a trailing "--" comment
  // can not swallow the closing parenthesis.
  if (values.length === 0) return `copy (\n${text}\n) to stdout`;
  const types = await parameterTypes(session, text);
  const literals = values.map((v, i) => literalFor(v, types[i] ?? "text"));
  return `copy (\n${inlineParameters(text, literals)}\n) to stdout`;
}

function timeoutError(ctx: SourceContext, query: string): SourceError {
  return new SourceError(
    `connection "${ctx.name}": the query sent no data for ` +
      `${ctx.statementTimeoutMs} ms, past the statement timeout; make it ` +
      `cheaper or raise statementTimeoutMs`,
    { connection: ctx.name, retryable: true, cause: query },
  );
}

export async function* streamCopy(
  ctx: SourceContext,
  query: SqlQuery<unknown>,
  options: StreamOptions = {},
): AsyncGenerator<CopyPage, void, undefined> {
  const { signal } = options;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (signal?.aborted) throw abortedError(ctx.name, signal);
  const declared = declareCursor(ctx, query);
  const session = await Session.open(ctx, true);
  const unwatch = session.watch(signal);
  let state: "open" | "streaming" | "finished" = "open";
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      session.cancel();
    }, ctx.statementTimeoutMs);
  };
  try {
    // The cursor describes the columns (and proves the query) without
    // reading a row.
    await session.query(declared.statement);
    const head = await session.query(`fetch forward 0 from ${CURSOR}`);
    const fields: FieldDef[] = head.fields;
    checkColumns(ctx.name, fields);
    await learnTypes(session, fields);
    await session.query(`close ${CURSOR}`);
    const columns = fields.map((f) => ({
      name: f.name,
      typeOid: f.dataTypeID,
      isText: ctx.parsers.isText(f.dataTypeID),
    }));
    const parsers = fields.map((f) =>
      ctx.parsers.config.getTypeParser(f.dataTypeID, "text"),
    );
    const text = await copyText(session, declared.context.query, [
      ...(declared.statement.values ?? []),
    ]);
    await session.query("set local statement_timeout = 0");
    const makePage = (parts: readonly Buffer[]): CopyPage => ({
      columns,
      parts,
      parsers,
      toRows: <Row>() =>
        parts.flatMap((part) => pageRows(part, columns, parsers)) as Row[],
    });

    state = "streaming";
    arm();
    const stream = session.copyOut(text);
    // Rows are cut into pages of `batchSize` (as the cursor path fetches
    // them) or fewer when they are large, so progress and stops come as
    // often as on the cursor path. A page keeps the socket's chunks as
    // they came (no copy); only a row split between two chunks is joined.
    let rest: Buffer | undefined;
    let parts: Buffer[] = [];
    let rows = 0;
    let bytes = 0;
    const take = () => {
      const page = makePage(parts);
      parts = [];
      rows = 0;
      bytes = 0;
      return page;
    };
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let data = chunk;
      let at = data.indexOf(10);
      if (rest) {
        if (at < 0) {
          rest = Buffer.concat([rest, data]);
          arm();
          continue;
        }
        data = Buffer.concat([rest, data.subarray(0, at + 1)]);
        rest = undefined;
        parts.push(data);
        bytes += data.length;
        rows++;
        data = chunk.subarray(at + 1);
        at = data.indexOf(10);
        if (rows >= batchSize || bytes >= PAGE_BYTES) {
          clearTimeout(timer);
          yield take();
          if (signal?.aborted) throw abortedError(ctx.name, signal);
        }
      }
      let from = 0;
      while (at >= 0) {
        rows++;
        if (rows >= batchSize || bytes + at + 1 - from >= PAGE_BYTES) {
          parts.push(data.subarray(from, at + 1));
          from = at + 1;
          clearTimeout(timer);
          yield take();
          if (signal?.aborted) throw abortedError(ctx.name, signal);
        }
        at = data.indexOf(10, at + 1);
      }
      const lastEnd = data.lastIndexOf(10) + 1;
      if (lastEnd > from) {
        parts.push(data.subarray(from, lastEnd));
        bytes += lastEnd - from;
        from = lastEnd;
      }
      if (from < data.length) rest = data.subarray(from);
      arm();
    }
    clearTimeout(timer);
    if (rest) {
      throw new SourceError(
        `connection "${ctx.name}": the COPY data ended inside a row`,
        { connection: ctx.name },
      );
    }
    if (rows > 0) yield take();
    state = "finished";
  } catch (error) {
    if (signal?.aborted) throw abortedError(ctx.name, signal);
    if (timedOut) throw timeoutError(ctx, declared.context.query);
    if (error instanceof BackflowError) throw error;
    throw toSourceError(error, declared.context);
  } finally {
    clearTimeout(timer);
    unwatch();
    // A consumer that stops during the COPY leaves it streaming: only
    // dropping the connection ends it.
    if (state === "streaming") session.discard();
    else await session.end(state === "finished");
  }
}
