/**
 * The type checker's settings and the key that decides whether a cached
 * result still holds. The key is computed without loading TypeScript, so an
 * unchanged tree is checked in milliseconds.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ts as TS } from "ts-morph";

import { sha256 } from "./pipeline-files.ts";

/** backflow's own folder (the package that pipelines import). */
export const BACKFLOW_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The nearest tsconfig.json at or above the pipelines folder. */
export interface TsconfigFile {
  readonly path: string;
  readonly text: string;
}

export async function findTsconfig(
  dir: string,
): Promise<TsconfigFile | undefined> {
  let current = resolve(dir);
  for (;;) {
    const path = join(current, "tsconfig.json");
    if (existsSync(path)) return { path, text: await readFile(path, "utf8") };
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/**
 * Settings backflow imposes whatever the project's tsconfig says: pipelines
 * are checked strictly, never emitted, and import with `.ts` extensions.
 */
const FORCED = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  allowImportingTsExtensions: true,
  resolveJsonModule: true,
};

/** Compiler options for a project without a tsconfig.json. */
const DEFAULTS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2023"],
  isolatedModules: true,
  verbatimModuleSyntax: true,
  noUncheckedIndexedAccess: true,
};

/**
 * The options the checker uses: the tsconfig's (with what it extends), our
 * defaults for what it leaves out, then `FORCED`.
 */
export function compilerOptions(
  ts: typeof TS,
  tsconfig: TsconfigFile | undefined,
): TS.CompilerOptions {
  const convert = (json: object) =>
    ts.convertCompilerOptionsFromJson(json, BACKFLOW_ROOT).options;
  const defaults = convert(DEFAULTS);
  const forced = convert(FORCED);
  if (!tsconfig) return { ...defaults, ...forced };

  const json = ts.parseConfigFileTextToJson(tsconfig.path, tsconfig.text);
  const parsed = ts.parseJsonConfigFileContent(
    json.config ?? {},
    ts.sys,
    dirname(tsconfig.path),
    undefined,
    tsconfig.path,
  );
  // `configFilePath` makes type roots (`types: ["node"]`) resolve from the
  // config's folder, not from wherever the command was started.
  return {
    ...defaults,
    ...parsed.options,
    ...forced,
    configFilePath: tsconfig.path,
  };
}

const requireHere = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (requireHere(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * What a cached type-check result depends on besides the files it imports
 * (backflow's own sources among them, recorded per entry): backflow's and
 * the checker's versions, the tsconfig, the forced options and every
 * declaration file of the folder (ambient types reach every module without
 * an import).
 */
export async function typeCheckKey(
  tsconfig: TsconfigFile | undefined,
  declarations: readonly { file: string; hash: string }[],
): Promise<string> {
  return sha256(
    "backflow-typecheck-v1",
    packageVersion("../.."),
    packageVersion("ts-morph"),
    tsconfig ? tsconfig.text : "(no tsconfig)",
    JSON.stringify(FORCED),
    ...declarations.map((d) => `${d.file}:${d.hash}`),
  );
}
