/**
 * `mixpanel(name, config)`: a named Mixpanel project. Values may come from
 * `env(...)`; they are read and validated only when a run resolves the
 * connection, so declaring one needs no secret.
 */
import {
  resolveMixpanelConnection,
  type MixpanelConnectionInput,
  type ResolvedMixpanelConnection,
} from "../mixpanel/connection.ts";
import {
  isEnvRef,
  resolveEnv,
  type Configurable,
  type EnvSource,
} from "./env.ts";
import { assertId } from "./names.ts";

/** What a pipeline declares; every value may be an `env(...)` reference. */
export type MixpanelConfig = {
  [K in keyof Omit<MixpanelConnectionInput, "name">]: Configurable<
    MixpanelConnectionInput[K]
  >;
};

export interface MixpanelConnection {
  readonly kind: "mixpanel";
  readonly name: string;
  /**
   * Reads the environment and validates the connection.
   * @throws ConfigError naming the missing variable or invalid field
   */
  resolve(source?: EnvSource): ResolvedMixpanelConnection;
}

const made = new WeakSet<object>();

export function isMixpanelConnection(
  value: unknown,
): value is MixpanelConnection {
  return typeof value === "object" && value !== null && made.has(value);
}

/**
 * Declares a Mixpanel project to send to.
 *
 * @example
 * const product = mixpanel("product", {
 *   token: env("MIXPANEL_TOKEN"),
 *   username: env.optional("MIXPANEL_SA_USERNAME"),
 *   secret: env.optional("MIXPANEL_SA_SECRET"),
 *   projectId: env.optional("MIXPANEL_PROJECT_ID"),
 *   region: "eu",
 * });
 *
 * Note: credentials are a service account (`username`, `secret`,
 * `projectId`), else the legacy `apiSecret`, else the token alone.
 */
export function mixpanel(
  name: string,
  config: MixpanelConfig,
): MixpanelConnection {
  assertId(name, "mixpanel connection name");
  const declared = Object.freeze({ ...config });

  const connection: MixpanelConnection = Object.freeze({
    kind: "mixpanel" as const,
    name,
    resolve(source?: EnvSource) {
      const usedBy = `mixpanel connection "${name}"`;
      const input: Record<string, unknown> = { name };
      // A bad value is named with the variable it came from.
      const labels: Record<string, string> = {};
      for (const [key, value] of Object.entries(declared)) {
        if (isEnvRef(value)) labels[key] = `${key} (from ${value.name})`;
        const resolved = isEnvRef(value)
          ? resolveEnv(value, `${usedBy} (${key})`, source)
          : value;
        if (resolved !== undefined) input[key] = resolved;
      }
      return resolveMixpanelConnection(
        input as unknown as MixpanelConnectionInput,
        labels,
      );
    },
  });
  made.add(connection);
  return connection;
}
