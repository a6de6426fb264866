/**
 * The type checker's settings and the key that decides whether a cached
 * result still holds. The key is computed without loading TypeScript, so an
 * unchanged tree is checked in milliseconds.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
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

/** The options the checker uses, from the tsconfig (if any) plus `FORCED`. */
export function compilerOptions(
  ts: typeof TS,
  tsconfig: TsconfigFile | undefined,
): TS.CompilerOptions {
  let raw: Record<string, unknown> = DEFAULTS;
  let base = BACKFLOW_ROOT;
  if (tsconfig) {
    const parsed = ts.parseConfigFileTextToJson(tsconfig.path, tsconfig.text);
    const config = (parsed.config ?? {}) as {
      compilerOptions?: Record<string, unknown>;
    };
    raw = { ...DEFAULTS, ...config.compilerOptions };
    base = dirname(tsconfig.path);
  }
  const { options } = ts.convertCompilerOptionsFromJson(
    { ...raw, ...FORCED },
    base,
  );
  return options;
}

const requireHere = createRequire(import.meta.url);

function packageVersion(name: string): string {
  try {
    return (requireHere(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

let coreHash: Promise<string> | undefined;

/**
 * A hash of backflow's own sources: the types every pipeline is checked
 * against. It changes with an upgrade, and with any edit in a checkout.
 */
function backflowHash(): Promise<string> {
  coreHash ??= (async () => {
    const core = join(BACKFLOW_ROOT, "core");
    const entries = await readdir(core, { recursive: true });
    const files = entries.filter((f) => f.endsWith(".ts")).sort();
    const parts = await Promise.all(
      files.map(async (f) => `${f}:${sha256(await readFile(join(core, f)))}`),
    );
    return sha256(packageVersion("../.."), ...parts);
  })();
  return coreHash;
}

/**
 * What a cached type-check result depends on besides the files themselves:
 * backflow's version and sources, the checker's version, the tsconfig, the
 * forced options and every declaration file of the folder (ambient types
 * reach every module without an import).
 */
export async function typeCheckKey(
  tsconfig: TsconfigFile | undefined,
  declarations: readonly { file: string; hash: string }[],
): Promise<string> {
  return sha256(
    "backflow-typecheck-v1",
    await backflowHash(),
    packageVersion("ts-morph"),
    tsconfig ? `${tsconfig.path}\n${tsconfig.text}` : "(no tsconfig)",
    JSON.stringify(FORCED),
    ...declarations.map((d) => `${d.file}:${d.hash}`),
  );
}
