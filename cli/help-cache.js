// Help screens served without loading the TypeScript loader.
//
// `backflow --help` would otherwise spend most of its time starting tsx
// (a loader thread and esbuild) only to print text that changes when the
// command definitions do. The text printed by a help request is stored
// under a key made of the arguments, everything that shapes commander's
// output (terminal width and colours, NO_COLOR/FORCE_COLOR, node) and the
// size and modification time of every file of the CLI; any change to one
// of them misses the cache, and the next run through tsx stores the new
// text. Plain JavaScript on purpose: it runs before tsx is registered.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const CLI_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(CLI_DIR);
const CACHE_DIR = join(ROOT, "node_modules", ".cache", "backflow-help");

/** Whether these arguments only ask for a help screen. */
export function isHelpRequest(args) {
  if (args.length === 0) return false;
  if (args[0] === "help") return true;
  const last = args[args.length - 1];
  return last === "--help" || last === "-h";
}

function fingerprint() {
  const parts = [];
  const visit = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else {
        const { size, mtimeMs } = statSync(path);
        parts.push(`${path}:${size}:${mtimeMs}`);
      }
    }
  };
  visit(CLI_DIR);
  const pkg = statSync(join(ROOT, "package.json"));
  parts.push(`package.json:${pkg.size}:${pkg.mtimeMs}`);
  return parts.join("\n");
}

function keyOf(args) {
  const out = process.stdout;
  const shape = {
    args,
    tty: Boolean(out.isTTY),
    columns: out.isTTY ? out.columns : undefined,
    colors: out.isTTY ? out.hasColors?.() : undefined,
    env: ["NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"].map(
      (name) => process.env[name] ?? null,
    ),
    node: process.version,
    files: fingerprint(),
  };
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex");
}

/** The stored help text for these arguments, or undefined. */
export function cachedHelp(args) {
  try {
    return readFileSync(join(CACHE_DIR, keyOf(args)), "utf8");
  } catch {
    return undefined;
  }
}

/** Stores a help screen; a cache that can not be written is skipped. */
export function rememberHelp(args, text) {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const names = readdirSync(CACHE_DIR);
    // Screens of older definitions are never read again.
    if (names.length > 100) {
      for (const name of names) rmSync(join(CACHE_DIR, name), { force: true });
    }
    const file = join(CACHE_DIR, keyOf(args));
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  } catch {
    // Read-only installs just stay slow.
  }
}
