/**
 * Turns `backflow emulator` flags into emulator options. Pure, so the
 * mapping is testable without a process.
 */
import { UsageError } from "../../core/errors.ts";
import type { IdentityMode } from "../../core/mixpanel/rules.ts";
import type { EmulatorOptions, FaultPlan } from "../../core/emulator/index.ts";
import { DEFAULT_TOKEN, parseFaultPlan } from "../../core/emulator/index.ts";

export interface EmulatorFlags {
  port: string;
  host: string;
  token: string[];
  projectId?: string;
  apiSecret?: string;
  serviceAccount: string[];
  identity: string;
  groupKey: string[];
  fault429Rate?: string;
  retryAfter?: string;
  fault5xxRate?: string;
  fault5xxStatus?: string;
  latency?: string;
  resetBeforeRate?: string;
  resetAfterRate?: string;
  rateLimit?: string;
  faults?: string;
  seed?: string;
  timing?: boolean;
  spoolDir?: string;
  acceptProfileGzip?: boolean;
  unknownToken: string;
}

function number(value: string, flag: string, max = Infinity): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed) || parsed < 0) {
    throw new UsageError(`${flag} "${value}" is not a non-negative number`);
  }
  if (parsed > max) throw new UsageError(`${flag} must be at most ${max}`);
  return parsed;
}

const rate = (value: string, flag: string) => number(value, flag, 1);

function serviceAccount(value: string) {
  const at = value.indexOf(":");
  if (at <= 0 || at === value.length - 1) {
    throw new UsageError("--service-account must look like USER:SECRET");
  }
  return { username: value.slice(0, at), secret: value.slice(at + 1) };
}

function faultPlan(flags: EmulatorFlags): FaultPlan {
  let plan: Record<string, unknown> = {};
  if (flags.faults) {
    try {
      plan = JSON.parse(flags.faults) as Record<string, unknown>;
    } catch {
      throw new UsageError("--faults must be a JSON fault plan");
    }
  }
  if (flags.fault429Rate !== undefined) {
    plan.status429 = {
      rate: rate(flags.fault429Rate, "--fault-429-rate"),
      retryAfterSeconds: number(flags.retryAfter ?? "1", "--retry-after"),
    };
  }
  if (flags.fault5xxRate !== undefined) {
    plan.status5xx = {
      rate: rate(flags.fault5xxRate, "--fault-5xx-rate"),
      status: number(flags.fault5xxStatus ?? "503", "--fault-5xx-status"),
    };
  }
  if (flags.latency !== undefined) {
    plan.latency = { ms: number(flags.latency, "--latency") };
  }
  if (flags.resetBeforeRate !== undefined) {
    plan.resetBefore = {
      rate: rate(flags.resetBeforeRate, "--reset-before-rate"),
    };
  }
  if (flags.resetAfterRate !== undefined) {
    plan.resetAfter = {
      rate: rate(flags.resetAfterRate, "--reset-after-rate"),
    };
  }
  if (flags.rateLimit !== undefined) {
    plan.rateLimit = {
      eventsPerSecond: number(flags.rateLimit, "--rate-limit"),
    };
  }
  if (flags.seed !== undefined)
    plan.seed = Math.trunc(number(flags.seed, "--seed"));

  const parsed = parseFaultPlan(plan);
  if (!parsed.ok) throw new UsageError(`invalid fault plan: ${parsed.error}`);
  return plan as FaultPlan;
}

function isIdentityMode(value: string): value is IdentityMode {
  return value === "simplified" || value === "original";
}

/** Builds emulator options; the first token's project gets the credentials. */
export function emulatorOptions(flags: EmulatorFlags): EmulatorOptions {
  if (!isIdentityMode(flags.identity)) {
    throw new UsageError('--identity must be "simplified" or "original"');
  }
  if (flags.unknownToken !== "drop" && flags.unknownToken !== "error") {
    throw new UsageError('--unknown-token must be "drop" or "error"');
  }
  const identityMode: IdentityMode = flags.identity;
  const tokens = flags.token.length ? flags.token : [DEFAULT_TOKEN];
  const projects = tokens.map((token, position) =>
    position === 0
      ? {
          token,
          projectId: flags.projectId,
          apiSecret: flags.apiSecret,
          serviceAccounts: flags.serviceAccount.map(serviceAccount),
          identityMode,
          groupKeys: flags.groupKey,
        }
      : { token, identityMode, groupKeys: flags.groupKey },
  );

  return {
    port: Math.trunc(number(flags.port, "--port", 65535)),
    host: flags.host,
    projects,
    faults: faultPlan(flags),
    timing: flags.timing
      ? flags.spoolDir
        ? { spoolDir: flags.spoolDir }
        : true
      : false,
    acceptProfileGzip: Boolean(flags.acceptProfileGzip),
    unknownToken: flags.unknownToken,
  };
}
