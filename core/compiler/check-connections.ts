/**
 * `backflow check --connections`: proves, without writing anything, that
 * every connection the DAGs use works.
 *
 * - Postgres: connects, runs `select 1` in a read-only transaction, then
 *   asks the server to describe each source query (the cursor is declared,
 *   never read), which proves the tables exist and may be read.
 * - Mixpanel: posts an EMPTY batch (`[]`) to `/import?strict=1`. Mixpanel
 *   (and the emulator, spec §2.3, §3.7) authenticates a request before it
 *   looks at the body: bad credentials get 401 (or 403), good ones get 400
 *   "must contain at least 1 event". Nothing can be stored because there is
 *   no event. With a service account or API secret, a second empty request
 *   authenticates with the project token (and the project id when known),
 *   which proves the token `/engage` and `/groups` put in every record,
 *   since those endpoints drop an unknown token without a word.
 *
 * Note: the probe relies on authentication coming before body validation.
 * Were Mixpanel to refuse the empty body first, a wrong secret would pass
 * as a 400; the emulator's order matches what Mixpanel documents.
 */
import { request } from "undici";

import type { Connection, DagDefinition } from "../builder/dag-definition.ts";
import { isSyncTask } from "../builder/dag-definition.ts";
import type { EnvSource } from "../builder/env.ts";
import type { MixpanelConnection } from "../builder/mixpanel-connection.ts";
import type { PostgresConnection } from "../builder/postgres-connection.ts";
import { errorMessage } from "../errors.ts";
import type { ResolvedMixpanelConnection } from "../mixpanel/connection.ts";
import { PostgresSource } from "../source/postgres-source.ts";
import type { SqlQuery } from "../source/sql.ts";
import { redact } from "../util/redact.ts";

export interface ConnectionCheck {
  readonly kind: "postgres" | "mixpanel";
  readonly name: string;
  readonly ok: boolean;
  /** What was proven, or what failed and what to do. */
  readonly message: string;
  /** The DAGs that use the connection. */
  readonly usedBy: readonly string[];
  readonly ms: number;
}

export interface CheckConnectionsOptions {
  /** Where `env(...)` values come from (default: the process and `.env`). */
  readonly env?: EnvSource;
  /** Longest wait for one connection (default: 15000). */
  readonly timeoutMs?: number;
}

interface Use {
  connection: Connection;
  dags: Set<string>;
  queries: { task: string; query: SqlQuery }[];
}

function collect(dags: readonly DagDefinition[]): Use[] {
  const uses = new Map<string, Use>();
  const use = (connection: Connection, dag: string) => {
    const key = `${connection.kind}:${connection.name}`;
    let entry = uses.get(key);
    if (!entry) {
      entry = { connection, dags: new Set(), queries: [] };
      uses.set(key, entry);
    }
    entry.dags.add(dag);
    return entry;
  };
  for (const dag of dags) {
    for (const connection of dag.connections) use(connection, dag.id);
    for (const task of dag.tasks) {
      if (!isSyncTask(task)) continue;
      use(task.from.connection, dag.id).queries.push({
        task: `${dag.id}.${task.id}`,
        query: task.from.query,
      });
    }
  }
  return [...uses.values()];
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function checkPostgres(
  connection: PostgresConnection,
  queries: Use["queries"],
  options: CheckConnectionsOptions,
): Promise<string> {
  const resolved = connection.resolve(options.env);
  const source = new PostgresSource({
    name: resolved.name,
    url: resolved.url,
    timezone: resolved.timezone,
    poolSize: 1,
    ...(resolved.statementTimeoutMs
      ? { statementTimeoutMs: resolved.statementTimeoutMs }
      : {}),
  });
  try {
    await source.ping();
    for (const { task, query } of queries) {
      try {
        await source.describe(query);
      } catch (error) {
        throw new Error(`the query of ${task} fails: ${errorMessage(error)}`);
      }
    }
  } finally {
    await source.close();
  }
  const described = queries.length
    ? `; ${queries.length} source quer${queries.length === 1 ? "y" : "ies"} described`
    : "";
  return `answers, read-only transaction ok${described}`;
}

async function probeImport(
  resolved: ResolvedMixpanelConnection,
  authorization: string,
  projectId: string | undefined,
  timeoutMs: number,
): Promise<number> {
  const query = projectId
    ? `strict=1&project_id=${encodeURIComponent(projectId)}`
    : "strict=1";
  const response = await request(`${resolved.baseUrl}/import?${query}`, {
    method: "POST",
    headers: {
      authorization,
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": "backflow",
    },
    body: "[]",
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  await response.body.dump();
  return response.statusCode;
}

function verdict(status: number, what: string): string | null {
  if (status === 400 || status === 200) return null;
  if (status === 401 || status === 403) {
    return `Mixpanel refused the ${what} (HTTP ${status}); check them`;
  }
  return `Mixpanel answered HTTP ${status}; try again later`;
}

async function checkMixpanel(
  connection: MixpanelConnection,
  options: CheckConnectionsOptions,
  timeoutMs: number,
): Promise<string> {
  const resolved = connection.resolve(options.env);
  const kind = resolved.authKind;
  const first = await probeImport(
    resolved,
    resolved.authorizationHeader(),
    resolved.projectId,
    timeoutMs,
  );
  const credentials =
    kind === "token"
      ? "project token"
      : `${kind.replace("-", " ")} credentials`;
  const problem = verdict(first, credentials);
  if (problem) throw new Error(problem);
  if (kind === "token") return `project token accepted by ${resolved.baseUrl}`;

  const token = `Basic ${Buffer.from(`${resolved.token}:`).toString("base64")}`;
  const second = await probeImport(
    resolved,
    token,
    resolved.projectId,
    timeoutMs,
  );
  const tokenProblem = verdict(
    second,
    resolved.projectId
      ? `project token for project ${resolved.projectId}`
      : "project token",
  );
  if (tokenProblem) throw new Error(tokenProblem);
  return `${credentials} and project token accepted by ${resolved.baseUrl}`;
}

/** Checks every connection the DAGs use, one at a time; never throws. */
export async function checkConnections(
  dags: readonly DagDefinition[],
  options: CheckConnectionsOptions = {},
): Promise<ConnectionCheck[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const results: ConnectionCheck[] = [];
  for (const use of collect(dags)) {
    const { connection } = use;
    const started = performance.now();
    const what = `${connection.kind} connection "${connection.name}"`;
    let ok = true;
    let message: string;
    try {
      const work =
        connection.kind === "postgres"
          ? checkPostgres(connection, use.queries, options)
          : checkMixpanel(connection, options, timeoutMs);
      message = await withTimeout(work, timeoutMs, what);
    } catch (error) {
      ok = false;
      message = errorMessage(error);
    }
    results.push({
      kind: connection.kind,
      name: connection.name,
      ok,
      message: redact(message),
      usedBy: [...use.dags],
      ms: Math.round(performance.now() - started),
    });
  }
  return results;
}
