/**
 * A throwaway backflow project in the system's temporary folder, laid out
 * as a user's would be: `node_modules/backflow` (a link to this checkout),
 * a tsconfig.json, and a `pipelines/` folder the test writes modules into.
 */
import { readFileSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { projectRoot } from "../helpers/cli.ts";

export interface TempProject {
  readonly root: string;
  readonly pipelines: string;
  /** Writes `pipelines/<file>` (creating folders). */
  write(file: string, text: string): Promise<void>;
  read(file: string): Promise<string>;
  remove(file: string): Promise<void>;
  cleanup(): Promise<void>;
}

const rootConfig = JSON.parse(
  readFileSync(join(projectRoot, "tsconfig.json"), "utf8"),
) as { compilerOptions: Record<string, unknown> };

export async function createTempProject(
  files: Record<string, string> = {},
): Promise<TempProject> {
  const root = await mkdtemp(join(tmpdir(), "backflow-project-"));
  const pipelines = join(root, "pipelines");
  await mkdir(join(root, "node_modules"), { recursive: true });
  await mkdir(pipelines);
  await symlink(projectRoot, join(root, "node_modules", "backflow"), "dir");
  await symlink(
    join(projectRoot, "node_modules", "@types"),
    join(root, "node_modules", "@types"),
    "dir",
  );
  await writeFile(
    join(root, "package.json"),
    JSON.stringify({ name: "shop", private: true, type: "module" }),
  );
  await writeFile(
    join(root, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: rootConfig.compilerOptions,
      include: ["pipelines"],
    }),
  );

  const project: TempProject = {
    root,
    pipelines,
    async write(file, text) {
      await mkdir(dirname(join(pipelines, file)), { recursive: true });
      await writeFile(join(pipelines, file), text);
    },
    read: (file) => readFile(join(pipelines, file), "utf8"),
    remove: (file) => rm(join(pipelines, file), { force: true }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  for (const [file, text] of Object.entries(files)) {
    await project.write(file, text);
  }
  return project;
}

/** Polls `probe` until it returns a value other than undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
