/**
 * Configuration from the environment, read lazily. `env("NAME")` only
 * records the name; the value is looked up when a run needs it, so `list`
 * and `check` work on a machine that holds no secrets.
 *
 * Values come from the process environment first, then from a `.env` file
 * in the project directory. The file is parsed, never loaded into
 * `process.env`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { parse } from "dotenv";

import { ConfigError } from "../errors.ts";

const ENV_REF = Symbol.for("backflow.env");
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A reference to an environment variable, resolved at run time. */
export interface EnvRef {
  readonly [ENV_REF]: true;
  /** The variable's name. */
  readonly name: string;
  /** Whether a missing variable resolves to `undefined` instead of failing. */
  readonly optional: boolean;
}

/** A configuration value given literally or read from the environment. */
export type Configurable<T> = T | EnvRef;

export interface EnvFunction {
  /**
   * Reads a required variable when a run starts.
   *
   * @example
   * postgres("warehouse", { url: env("WAREHOUSE_URL") })
   *
   * Note: a missing or blank variable is a `ConfigError` naming it, raised
   * only when the value is needed.
   */
  (name: string): EnvRef;
  /** Reads a variable that may be absent (resolves to `undefined`). */
  optional(name: string): EnvRef;
}

function envRef(name: string, optional: boolean): EnvRef {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new ConfigError(
      `env(${JSON.stringify(name)}): an environment variable name uses ` +
        `letters, digits and '_' and does not start with a digit`,
    );
  }
  return Object.freeze({ [ENV_REF]: true as const, name, optional });
}

export const env: EnvFunction = Object.assign(
  (name: string) => envRef(name, false),
  { optional: (name: string) => envRef(name, true) },
);

export function isEnvRef(value: unknown): value is EnvRef {
  return typeof value === "object" && value !== null && ENV_REF in value;
}

/** Where variables are looked up; tests pass their own. */
export interface EnvSource {
  /** (default: `process.env`) */
  variables?: Readonly<Record<string, string | undefined>>;
  /** Directory holding the `.env` file (default: the working directory). */
  projectDir?: string;
}

const dotEnvCache = new Map<string, Readonly<Record<string, string>>>();
let defaultProjectDir: string | undefined;

/**
 * Sets where `.env` is looked for when a resolver gives no directory
 * (default: the working directory). The CLI calls it with the project root.
 */
export function setEnvProjectDir(dir: string | undefined): void {
  defaultProjectDir = dir;
}

function readDotEnv(dir: string): Readonly<Record<string, string>> {
  const cached = dotEnvCache.get(dir);
  if (cached) return cached;
  let values: Record<string, string> = {};
  try {
    values = parse(readFileSync(join(dir, ".env")));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  dotEnvCache.set(dir, values);
  return values;
}

/** Forgets parsed `.env` files (after the file changed, or in tests). */
export function clearDotEnvCache(): void {
  dotEnvCache.clear();
}

const blank = (v: string | undefined) => v === undefined || v.trim() === "";

/**
 * Looks a variable up: the environment wins over `.env`; blank counts as
 * unset.
 * @param usedBy what needs the value, for the error message
 * @throws ConfigError naming the variable when it is required and unset
 */
export function resolveEnv(
  ref: EnvRef,
  usedBy?: string,
  source: EnvSource = {},
): string | undefined {
  const variables = source.variables ?? process.env;
  const fromProcess = variables[ref.name];
  if (!blank(fromProcess)) return fromProcess;

  const dir = source.projectDir ?? defaultProjectDir ?? process.cwd();
  const fromFile = readDotEnv(dir)[ref.name];
  if (!blank(fromFile)) return fromFile;

  if (ref.optional) return undefined;
  const forWhat = usedBy === undefined ? "" : ` (needed by ${usedBy})`;
  throw new ConfigError(
    `environment variable ${ref.name} is not set${forWhat}. Export it ` +
      `or add a line ${ref.name}=... to ${join(dir, ".env")}.`,
  );
}

/** Resolves a value that may be an `env(...)` reference. */
export function resolveConfigurable<T>(
  value: Configurable<T>,
  usedBy?: string,
  source?: EnvSource,
): T | string | undefined {
  return isEnvRef(value) ? resolveEnv(value, usedBy, source) : value;
}
