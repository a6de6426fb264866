/**
 * Configuration of the local Mixpanel emulator: its projects and the knobs
 * for behaviour the spec leaves unconfirmed (spec §11.5, §13).
 */
import type { IdentityMode } from "../mixpanel/rules.ts";
import type { FaultPlan } from "./fault-plan.ts";

export interface ServiceAccount {
  username: string;
  secret: string;
}

export interface ProjectConfig {
  /** The project token (`$token`, `properties.token`, Basic username). */
  token: string;
  /** Numeric project id for service-account auth (default: 1, 2, … by position). */
  projectId?: string | number;
  /** Legacy API secret, accepted as a Basic username on `/import`. */
  apiSecret?: string;
  serviceAccounts?: ServiceAccount[];
  /** The project's ID Merge system (default: "simplified"). */
  identityMode?: IdentityMode;
  /** Configured group keys; others are accepted unless rejected by a knob. */
  groupKeys?: string[];
}

export interface TimingOptions {
  /** Write every request body, as received, to this directory. */
  spoolDir?: string;
}

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one (default: 0). */
  port?: number;
  /** Interface to bind (default: "127.0.0.1"). */
  host?: string;
  /** Projects served (default: one project with token "demo-token"). */
  projects?: ProjectConfig[];
  /** Faults to inject from the start (default: none). */
  faults?: FaultPlan;
  /**
   * Timing mode for benchmarks: count records, optionally spool bodies, and
   * skip auth, validation and storage (default: off).
   */
  timing?: boolean | TimingOptions;
  /** Accept gzip bodies on /engage and /groups (default: false → 400). */
  acceptProfileGzip?: boolean;
  /**
   * What an unknown `$token` on /engage, /groups or /track gets: "drop"
   * answers success and stores nothing, as Mixpanel does; "error" answers
   * with a failure (default: "drop").
   */
  unknownToken?: "drop" | "error";
  /** Refuse group updates for keys not in `groupKeys` (default: false). */
  rejectUnknownGroupKeys?: boolean;
  /** Uncompressed byte cap of one request (default: 10 MiB). */
  maxRequestBytes?: number;
  /** Value of `$mp_api_endpoint` on stored events (default: api.mixpanel.com). */
  apiEndpoint?: string;
  /** The server clock in epoch ms (default: `Date.now`). */
  clock?: () => number;
  /** Serve HTTPS with this key pair instead of plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Entries kept in the request and rejection logs (default: 10,000). */
  logSize?: number;
}

export interface ResolvedProject {
  token: string;
  projectId: string;
  apiSecret: string | undefined;
  serviceAccounts: ServiceAccount[];
  identityMode: IdentityMode;
  groupKeys: ReadonlySet<string>;
}

export const DEFAULT_TOKEN = "demo-token";

export function resolveProjects(
  projects: ProjectConfig[] | undefined,
): ResolvedProject[] {
  const list = projects?.length ? projects : [{ token: DEFAULT_TOKEN }];
  return list.map((project, position) => ({
    token: project.token,
    projectId: String(project.projectId ?? position + 1),
    apiSecret: project.apiSecret,
    serviceAccounts: project.serviceAccounts ?? [],
    identityMode: project.identityMode ?? "simplified",
    groupKeys: new Set(project.groupKeys ?? []),
  }));
}
