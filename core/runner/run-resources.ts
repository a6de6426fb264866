/**
 * The connections one run opens: a warehouse pool per Postgres connection
 * and a Mixpanel client per Mixpanel connection, each made on first use and
 * closed together when the run ends.
 */
import { join } from "node:path";
import type { Connection } from "../builder/dag-definition.ts";
import type { EnvSource } from "../builder/env.ts";
import type { MixpanelConnection } from "../builder/mixpanel-connection.ts";
import type { PostgresConnection } from "../builder/postgres-connection.ts";
import {
  MixpanelClient,
  type MixpanelClientOptions,
} from "../mixpanel/client.ts";
import { PostgresSource } from "../source/postgres-source.ts";

export class RunResources {
  readonly #sources = new Map<string, PostgresSource>();
  readonly #clients = new Map<string, MixpanelClient>();
  readonly #env: EnvSource | undefined;
  readonly #clientOptions: MixpanelClientOptions;

  constructor(
    env: EnvSource | undefined,
    clientOptions: MixpanelClientOptions = {},
  ) {
    this.#env = env;
    this.#clientOptions = clientOptions;
  }

  /**
   * Resolves every connection once, for its side effect: its secrets are
   * registered with the redactor before any task runs, so that a task
   * failing first (user code printing a URL) can not show a secret that
   * another task's connection would only have registered later. Errors
   * are left to the task that uses the connection.
   */
  registerSecrets(connections: readonly Connection[]): void {
    for (const connection of connections) {
      try {
        connection.resolve(this.#env);
      } catch {
        // Reported by the task that needs the connection.
      }
    }
  }

  source(connection: PostgresConnection): PostgresSource {
    let source = this.#sources.get(connection.name);
    if (!source) {
      const resolved = connection.resolve(this.#env);
      source = new PostgresSource({
        name: resolved.name,
        url: resolved.url,
        timezone: resolved.timezone,
        ...(resolved.statementTimeoutMs === undefined
          ? {}
          : { statementTimeoutMs: resolved.statementTimeoutMs }),
      });
      this.#sources.set(connection.name, source);
    }
    return source;
  }

  /**
   * The client of a Mixpanel connection. In a dry run each task gets its
   * own, writing under `<dryRunDir>/<task>/`, so that tasks running at the
   * same time do not interleave their files.
   */
  client(connection: MixpanelConnection, taskId: string): MixpanelClient {
    const dry = this.#clientOptions.dryRunDir;
    const key = dry ? `${connection.name}/${taskId}` : connection.name;
    let client = this.#clients.get(key);
    if (!client) {
      client = new MixpanelClient(connection.resolve(this.#env), {
        ...this.#clientOptions,
        ...(dry ? { dryRunDir: join(dry, taskId) } : {}),
      });
      this.#clients.set(key, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const closing = [
      ...[...this.#sources.values()].map((s) => s.close()),
      ...[...this.#clients.values()].map((c) => c.close()),
    ];
    this.#sources.clear();
    this.#clients.clear();
    await Promise.allSettled(closing);
  }
}
