/**
 * The files of a pipelines folder and their content hashes. Every file is
 * read once per compile; hashes decide what is type-checked again and which
 * modules are imported again.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";

/** One file of the pipelines folder. */
export interface PipelineFile {
  /** Absolute path. */
  readonly path: string;
  /** Relative to the pipelines folder, with `/` separators. */
  readonly file: string;
  readonly text: string;
  /** sha256 of the text, hex. */
  readonly hash: string;
  /** Checked by the type checker (TypeScript, declaration files included). */
  readonly typed: boolean;
  /** Imported to find DAGs (not declaration or generated row-type files). */
  readonly module: boolean;
}

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const TYPED = /\.(ts|mts|cts)$/;
const DECLARATION = /\.d\.(ts|mts|cts)$/;

/** Files written by `backflow typegen`: types only, never imported. */
export const ROW_TYPES_SUFFIX = ".rows.ts";

export function sha256(...parts: (string | Uint8Array)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
}

function isIgnored(file: string): boolean {
  return file
    .split("/")
    .some((part) => part === "node_modules" || part.startsWith("."));
}

/** Reads every source file under `dir`, sorted by relative path. */
export async function readPipelineFiles(dir: string): Promise<PipelineFile[]> {
  const root = resolve(dir);
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  const paths = entries
    .filter((e) => e.isFile() && SOURCE.test(e.name))
    .map((e) => join(e.parentPath ?? root, e.name))
    .filter((path) => !isIgnored(toFile(root, path)))
    .sort();

  return Promise.all(
    paths.map(async (path) => {
      const text = await readFile(path, "utf8");
      const file = toFile(root, path);
      const declaration = DECLARATION.test(file);
      return {
        path,
        file,
        text,
        hash: sha256(text),
        typed: TYPED.test(file),
        module: !declaration && !file.endsWith(ROW_TYPES_SUFFIX),
      };
    }),
  );
}

export function toFile(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

// Static and dynamic imports and re-exports of relative paths. A regular
// expression is enough here: it only decides which files' hashes make up a
// module's source hash, and a miss only means a needless reload.
const LOCAL_IMPORT =
  /(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** The relative import specifiers a module's text names. */
export function localImports(text: string): string[] {
  return [...text.matchAll(LOCAL_IMPORT)].map((m) => m[1]!);
}

/**
 * A module's source hash: its own text and the text of every file it
 * imports from the folder, transitively. Two modules with the same source
 * hash behave the same.
 */
export function sourceHash(
  file: PipelineFile,
  byPath: ReadonlyMap<string, PipelineFile>,
): string {
  const seen = new Set<string>([file.path]);
  const queue = [file];
  const parts: string[] = [];
  while (queue.length > 0) {
    const current = queue.shift()!;
    parts.push(`${current.file}:${current.hash}`);
    for (const spec of localImports(current.text)) {
      const target = resolveLocal(dirname(current.path), spec, byPath);
      if (target && !seen.has(target.path)) {
        seen.add(target.path);
        queue.push(target);
      }
    }
  }
  return sha256(...parts);
}

function resolveLocal(
  from: string,
  spec: string,
  byPath: ReadonlyMap<string, PipelineFile>,
): PipelineFile | undefined {
  const base = resolve(from, spec);
  const candidates = [
    base,
    base.replace(/\.js$/, ".ts"),
    base.replace(/\.mjs$/, ".mts"),
    `${base}.ts`,
    join(base, "index.ts"),
  ];
  for (const candidate of candidates) {
    const found = byPath.get(candidate);
    if (found) return found;
  }
  return undefined;
}
