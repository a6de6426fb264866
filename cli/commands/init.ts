/**
 * `backflow init [dir]`: starts a project of the user's own, outside this
 * checkout: package.json depending on backflow, an example pipeline,
 * `.env.example`, `.gitignore`, a README. Writes nothing if any of those
 * files exists already.
 */
import { constants } from "node:fs";
import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { UsageError } from "../../core/errors.ts";
import { projectFiles } from "../init/project-files.ts";

interface InitOptions {
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

export function register(program: Command): void {
  program
    .command("init")
    .description("start a pipelines project of your own in <dir>")
    .argument("[dir]", "the project folder (default: the current one)", ".")
    .option(
      "--dependency <spec>",
      "how package.json asks for backflow, e.g. ^0.1.0 " +
        "(default: file:<this checkout>, which works offline)",
    )
    .action(async (dirArg: string, options: InitOptions) => {
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
    });
}
