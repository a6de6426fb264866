/**
 * What `backflow init` does; `init.ts` defines the command and loads
 * this module only when the command runs, so `--help` stays fast.
 */
import { constants } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../../core/errors.ts";
import { projectFiles } from "../init/project-files.ts";

export interface InitOptions {
  dependency?: string;
}

/** This checkout of backflow, without a trailing separator. */
const BACKFLOW_ROOT = resolve(
  fileURLToPath(new URL("../../", import.meta.url)),
);

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

function insideCheckout(dir: string): boolean {
  return dir === BACKFLOW_ROOT || dir.startsWith(BACKFLOW_ROOT + sep);
}

export async function init(
  dirArg: string,
  options: InitOptions,
): Promise<void> {
  const dir = resolve(dirArg);
  if (insideCheckout(dir)) {
    throw new UsageError(
      `${dir} is inside backflow's own checkout (${BACKFLOW_ROOT}); ` +
        `start your project next to it, e.g. backflow init ../my-pipelines`,
    );
  }
  const dependency = options.dependency ?? `file:${BACKFLOW_ROOT}`;
  const files = await projectFiles(dir, dependency);

  const taken: string[] = [];
  for (const file of files) {
    if (await exists(join(dir, file.path))) taken.push(file.path);
  }
  if (taken.length > 0) {
    throw new UsageError(
      `${dir} already has ${taken.join(", ")}; backflow init writes ` +
        `nothing over existing files. Pick an empty folder, or move ` +
        `those files away`,
    );
  }

  for (const file of files) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { flag: "wx" });
  }

  const rel = relative(process.cwd(), dir);
  const shown = rel.startsWith("..") ? dir : rel;
  const cd = shown === "" ? [] : [`  cd ${shown}`];
  process.stdout.write(
    [
      `created in ${dir}:`,
      ...files.map((f) => `  ${f.path}`),
      "",
      "next:",
      ...cd,
      "  npm install",
      "  cp .env.example .env      # then set WAREHOUSE_URL and MIXPANEL_TOKEN",
      "  npx backflow check",
      "  npx backflow run example --dry-run",
      "",
    ].join("\n"),
  );
}
