/**
 * Where `backflow demo` sends the shop: the emulator, started in this
 * process, or with `--to-mixpanel` the real project in `MIXPANEL_*`
 * variables (the shell, then `.env`), checked up front with one error
 * naming every variable that is missing.
 */
import { fileURLToPath } from "node:url";
import type { DagDefinition } from "../../core/builder/dag-definition.ts";
import { env, resolveEnv, type EnvSource } from "../../core/builder/env.ts";
import {
  DEFAULT_TOKEN,
  startEmulator,
  type Emulator,
} from "../../core/emulator/index.ts";
import { ConfigError } from "../../core/errors.ts";

export interface MixpanelTarget {
  readonly token: string;
  readonly baseUrl: string;
}

/** The group key the demo's company profiles use. */
const GROUP_KEY = "company_id";

/**
 * A folder without a `.env`: an emulated run must not pick up the real
 * project's credentials from the user's `.env`.
 */
const NO_DOTENV_DIR = fileURLToPath(new URL(".", import.meta.url));

const SERVICE_ACCOUNT = [
  "MIXPANEL_SERVICE_ACCOUNT_USERNAME",
  "MIXPANEL_SERVICE_ACCOUNT_SECRET",
  "MIXPANEL_PROJECT_ID",
];

function isSet(name: string, source: EnvSource): boolean {
  return resolveEnv(env.optional(name), undefined, source) !== undefined;
}

/**
 * @throws ConfigError naming the missing variables, before the demo
 *   builds or starts anything
 */
export function mixpanelTarget(
  dag: DagDefinition,
  source: EnvSource,
): MixpanelTarget {
  const missing = isSet("MIXPANEL_TOKEN", source) ? [] : ["MIXPANEL_TOKEN"];
  const given = SERVICE_ACCOUNT.filter((name) => isSet(name, source));
  if (given.length > 0) {
    missing.push(...SERVICE_ACCOUNT.filter((name) => !given.includes(name)));
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `backflow demo --to-mixpanel sends to the Mixpanel project in your ` +
        `environment, but ${missing.join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} not set. Export ` +
        `MIXPANEL_TOKEN and either MIXPANEL_SERVICE_ACCOUNT_USERNAME, ` +
        `MIXPANEL_SERVICE_ACCOUNT_SECRET and MIXPANEL_PROJECT_ID (preferred) ` +
        `or MIXPANEL_API_SECRET, or put them in .env; and create the group ` +
        `key "company_id" in the project's settings first (see README).`,
    );
  }

  const connection = dag.connections.find((c) => c.kind === "mixpanel");
  if (!connection || connection.kind !== "mixpanel") {
    throw new ConfigError(`DAG "${dag.id}" declares no Mixpanel connection`);
  }
  const resolved = connection.resolve(source);
  return { token: resolved.token, baseUrl: resolved.baseUrl };
}

function withoutMixpanel(vars: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (value !== undefined && !key.startsWith("MIXPANEL_")) out[key] = value;
  }
  return out;
}

export interface DemoDestination {
  /** What the shop DAG's `env(...)` references resolve against. */
  readonly env: EnvSource;
  /** The emulator this demo started, to close afterwards. */
  readonly emulator: Emulator | undefined;
  /** For the progress lines. */
  readonly description: string;
}

/**
 * The run's environment: the warehouse URL, and the real project's
 * variables or the in-process emulator's URL and token.
 */
export async function openDestination(
  target: MixpanelTarget | null,
  warehouseUrl: string,
): Promise<DemoDestination> {
  if (target) {
    return {
      env: {
        variables: { ...process.env, DEMO_WAREHOUSE_URL: warehouseUrl },
      },
      emulator: undefined,
      description: `sending to Mixpanel at ${target.baseUrl}`,
    };
  }
  const emulator = await startEmulator({
    projects: [{ token: DEFAULT_TOKEN, groupKeys: [GROUP_KEY] }],
    rejectUnknownGroupKeys: true,
  });
  return {
    env: {
      variables: {
        ...withoutMixpanel(process.env),
        DEMO_WAREHOUSE_URL: warehouseUrl,
        MIXPANEL_TOKEN: DEFAULT_TOKEN,
        MIXPANEL_API_URL: emulator.url,
      },
      projectDir: NO_DOTENV_DIR,
    },
    emulator,
    description: `sending to the Mixpanel emulator at ${emulator.url}`,
  };
}
