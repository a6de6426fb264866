/**
 * The files `backflow init` writes: a package.json that depends on
 * backflow, a tsconfig.json, the files under `template/` (an example
 * pipeline, `.env.example`, `.gitignore`, a README), and nothing else.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

export interface ProjectFile {
  /** Relative to the project folder, with `/` separators. */
  readonly path: string;
  readonly content: string;
}

const TEMPLATE = fileURLToPath(new URL("./template/", import.meta.url));

/**
 * Template file → where it goes. npm leaves `.gitignore` out of published
 * packages, so the templates carry dot files without their dot.
 */
const TEMPLATE_FILES: Readonly<Record<string, string>> = {
  "pipelines/example.ts": "pipelines/example.ts",
  "env.example": ".env.example",
  gitignore: ".gitignore",
  "README.md": "README.md",
};

/** A valid npm package name made from the folder's name. */
export function packageName(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+|[-]+$/g, "");
  return name || "mixpanel-pipelines";
}

function packageJson(name: string, dependency: string): string {
  const pkg = {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      check: "backflow check",
      "dry-run": "backflow run example --dry-run",
    },
    dependencies: { backflow: dependency },
    engines: { node: ">=20.18" },
  };
  return JSON.stringify(pkg, null, 2) + "\n";
}

/** Editors check pipelines with the settings `backflow check` uses. */
function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      lib: ["ES2023"],
      strict: true,
      noUncheckedIndexedAccess: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ["pipelines"],
  };
  return JSON.stringify(config, null, 2) + "\n";
}

/**
 * @param dir the project folder (its name names the package)
 * @param dependency how package.json asks for backflow, e.g.
 *   `file:/home/me/backflow` or `^0.1.0`
 */
export async function projectFiles(
  dir: string,
  dependency: string,
): Promise<ProjectFile[]> {
  const files: ProjectFile[] = [
    {
      path: "package.json",
      content: packageJson(packageName(dir), dependency),
    },
    { path: "tsconfig.json", content: tsconfigJson() },
  ];
  for (const [from, to] of Object.entries(TEMPLATE_FILES)) {
    files.push({ path: to, content: await readFile(TEMPLATE + from, "utf8") });
  }
  return files;
}
