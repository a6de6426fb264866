/**
 * A Mixpanel connection: which project, which residency host, which
 * credentials. Resolving one validates it, registers its secrets with the
 * redactor and hides them behind `authorizationHeader()`, so the resolved
 * object can be logged or serialised without leaking anything.
 */
import type { ZodError } from "zod";

import { ConfigError } from "../errors.ts";
import { createLogger } from "../util/log.ts";
import { redact, registerSecret, registerUrlSecret } from "../util/redact.ts";
import { z } from "../util/zod.ts";

export type MixpanelRegion = "us" | "eu" | "in";

/** Ingestion hosts per data residency (Mixpanel serves them over HTTPS only). */
export const MIXPANEL_HOSTS: Readonly<Record<MixpanelRegion, string>> = {
  us: "https://api.mixpanel.com",
  eu: "https://api-eu.mixpanel.com",
  in: "https://api-in.mixpanel.com",
};

/** The day Mixpanel stops accepting project API secrets. */
export const API_SECRET_RETIREMENT = "2027-03-03";

const text = (label: string) =>
  z.string({ error: `${label} must be a string` }).trim();

const optionalText = (label: string) =>
  z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    text(label).min(1, `${label} must not be blank`).optional(),
  );

export const mixpanelConnectionSchema = z
  .object({
    name: text("name").regex(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      "name must start with a letter or digit and use only letters, " +
        "digits, '_', '.' and '-'",
    ),
    token: text("token").min(1, "token is required (the project token)"),
    username: optionalText("username"),
    secret: optionalText("secret"),
    projectId: z.preprocess(
      (v) => (typeof v === "number" ? String(v) : v === "" ? undefined : v),
      text("projectId")
        .regex(/^\d+$/, "projectId must be the numeric project id")
        .optional(),
    ),
    apiSecret: optionalText("apiSecret"),
    region: z.preprocess(
      (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
      z
        .enum(["us", "eu", "in"], {
          error: "region must be one of us, eu, in",
        })
        .default("us"),
    ),
    apiUrl: optionalText("apiUrl").refine(
      (v) => v === undefined || isHttpUrl(v),
      "apiUrl must be an http(s) URL such as http://127.0.0.1:8787",
    ),
  })
  .strict();

/** What a pipeline declares (values usually come from `env(...)`). */
export interface MixpanelConnectionInput {
  name: string;
  /** The project token. */
  token: string;
  /** Service-account username (preferred credentials, with `secret`). */
  username?: string;
  /** Service-account secret. */
  secret?: string;
  /** Numeric project id; required with a service account. */
  projectId?: string | number;
  /** Legacy project API secret (retired by Mixpanel on 2027-03-03). */
  apiSecret?: string;
  /** Data residency (default: "us"). */
  region?: MixpanelRegion | (string & {});
  /** Base-URL override, e.g. a local emulator. */
  apiUrl?: string;
}

export type MixpanelAuthKind = "service-account" | "api-secret" | "token";

/** A validated connection. Secrets are reachable only through the header. */
export interface ResolvedMixpanelConnection {
  readonly name: string;
  readonly token: string;
  readonly region: MixpanelRegion;
  /** Origin plus optional path prefix, without a trailing slash. */
  readonly baseUrl: string;
  readonly authKind: MixpanelAuthKind;
  /** Sent as `project_id` on /import; set only for service accounts. */
  readonly projectId: string | undefined;
  readonly username: string | undefined;
  /** The `Authorization` header value. Never log it. */
  authorizationHeader(): string;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** The base URL requests go to: the override, else the residency host. */
export function mixpanelBaseUrl(region: MixpanelRegion, apiUrl?: string) {
  if (apiUrl === undefined) return MIXPANEL_HOSTS[region];
  const url = new URL(apiUrl);
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${path}`;
}

const log = createLogger({ scope: "mixpanel" });
let apiSecretWarned = false;

function warnApiSecretOnce(name: string) {
  if (apiSecretWarned) return;
  apiSecretWarned = true;
  log.warn("mixpanel.api_secret_deprecated", {
    connection: name,
    message:
      `Mixpanel is retiring project API secrets on ` +
      `${API_SECRET_RETIREMENT}; create a service account and set ` +
      `username, secret and projectId instead of apiSecret.`,
  });
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
}

function registerSecrets(input: unknown) {
  if (typeof input !== "object" || input === null) return;
  const raw = input as Record<string, unknown>;
  const user = typeof raw.username === "string" ? raw.username : undefined;
  if (typeof raw.secret === "string") {
    registerSecret(raw.secret, user);
    registerSecret(raw.secret.trim(), user?.trim());
  }
  if (typeof raw.apiUrl === "string") registerUrlSecret(raw.apiUrl);
  if (typeof raw.apiSecret === "string") {
    registerSecret(raw.apiSecret);
    registerSecret(raw.apiSecret.trim());
  }
}

type Labels = Partial<Record<string, string>>;

const present = (v: unknown) =>
  v !== undefined && v !== null && !(typeof v === "string" && !v.trim());

/** Rules that tie fields together; checked even when a field is malformed. */
function crossFieldIssues(raw: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  if (present(raw.username) && !present(raw.secret)) {
    out.push(["secret", "required when a service-account username is set"]);
  }
  if (present(raw.secret) && !present(raw.username)) {
    out.push(["username", "required when a service-account secret is set"]);
  }
  if (present(raw.username) && !present(raw.projectId)) {
    out.push([
      "projectId",
      "required with a service account " +
        "(Project Settings → Overview → Project ID)",
    ]);
  }
  return out;
}

function describeIssues(issues: ZodError["issues"], labels: Labels): string[] {
  return issues.map((issue) => {
    const path = issue.path.join(".");
    const field = labels[path] ?? (path || "(connection)");
    // Unknown keys are reported by name only; their values may be secrets.
    if (issue.code === "unrecognized_keys") {
      return `${field}: unknown field(s) ${issue.keys.join(", ")}`;
    }
    return `${field}: ${issue.message}`;
  });
}

/**
 * Validates a connection and picks its credentials: a service account if
 * `username`/`secret` are set (preferred), else the legacy `apiSecret`, else
 * the token alone (which /import accepts as the Basic username).
 *
 * Note: throws `ConfigError` listing every invalid field; secret values never
 * appear in the message.
 */
export function resolveMixpanelConnection(
  input: MixpanelConnectionInput,
  /** How to name each field in messages, e.g. the variable it came from. */
  labels: Readonly<Record<string, string>> = {},
): ResolvedMixpanelConnection {
  return resolve(input, labels);
}

function resolve(
  input: MixpanelConnectionInput,
  labels: Labels,
): ResolvedMixpanelConnection {
  registerSecrets(input);
  const raw = (input ?? {}) as unknown as Record<string, unknown>;
  const parsed = mixpanelConnectionSchema.safeParse(input);
  const lines = parsed.success
    ? []
    : describeIssues(parsed.error.issues, labels);
  for (const [field, message] of crossFieldIssues(raw)) {
    lines.push(`${labels[field!] ?? field}: ${message}`);
  }
  if (!parsed.success || lines.length > 0) {
    const name = typeof raw.name === "string" ? ` "${raw.name}"` : "";
    throw new ConfigError(
      redact(
        `Mixpanel connection${name} is invalid:\n  - ${lines.join("\n  - ")}`,
      ),
    );
  }

  const c = parsed.data!;
  const baseUrl = mixpanelBaseUrl(c.region, c.apiUrl);
  let authKind: MixpanelAuthKind = "token";
  let header = basic(c.token, "");
  if (c.username !== undefined && c.secret !== undefined) {
    authKind = "service-account";
    header = basic(c.username, c.secret);
  } else if (c.apiSecret !== undefined) {
    authKind = "api-secret";
    header = basic(c.apiSecret, "");
    warnApiSecretOnce(c.name);
  }

  return Object.freeze({
    name: c.name,
    token: c.token,
    region: c.region,
    baseUrl,
    authKind,
    projectId: authKind === "service-account" ? c.projectId : undefined,
    username: authKind === "service-account" ? c.username : undefined,
    authorizationHeader: () => header,
  });
}

/**
 * Reads a connection from `MIXPANEL_*` environment variables: TOKEN,
 * PROJECT_ID, SERVICE_ACCOUNT_USERNAME, SERVICE_ACCOUNT_SECRET, API_SECRET,
 * REGION and API_URL. Blank variables count as unset.
 */
export function mixpanelConnectionFromEnv(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedMixpanelConnection {
  return resolve(
    {
      name,
      token: env.MIXPANEL_TOKEN ?? "",
      projectId: env.MIXPANEL_PROJECT_ID,
      username: env.MIXPANEL_SERVICE_ACCOUNT_USERNAME,
      secret: env.MIXPANEL_SERVICE_ACCOUNT_SECRET,
      apiSecret: env.MIXPANEL_API_SECRET,
      region: env.MIXPANEL_REGION || undefined,
      apiUrl: env.MIXPANEL_API_URL,
    },
    ENV_LABELS,
  );
}

const ENV_LABELS: Labels = {
  token: "MIXPANEL_TOKEN",
  projectId: "MIXPANEL_PROJECT_ID",
  username: "MIXPANEL_SERVICE_ACCOUNT_USERNAME",
  secret: "MIXPANEL_SERVICE_ACCOUNT_SECRET",
  apiSecret: "MIXPANEL_API_SECRET",
  region: "MIXPANEL_REGION",
  apiUrl: "MIXPANEL_API_URL",
};
