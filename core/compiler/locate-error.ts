/**
 * Finds where in a pipeline module an error thrown while it was imported
 * comes from. Errors of the DAG builder name a DAG, a task or an option;
 * the module's syntax tree says where that DAG, task or `.after(...)` call
 * is written. Anything else is placed by the first stack frame inside the
 * pipelines folder (tsx maps frames back to the TypeScript source).
 */
import { fileURLToPath } from "node:url";
import type { ts as TS } from "ts-morph";

import {
  DagDefinitionError,
  DuplicateTaskError,
} from "../builder/dag-errors.ts";
import { ConfigError } from "../errors.ts";
import { CycleError, UnknownTaskError } from "../graph/graph-errors.ts";
import { locationAt, type Location } from "./diagnostic.ts";
import { scanModule, type ModuleOutline } from "./module-outline.ts";

export interface ErrorPlace extends Location {
  /** Absolute path of the file the location is in. */
  readonly path: string;
}

const OPTION_NAMES = [
  "schedule",
  "timezone",
  "catchup",
  "maxActiveRuns",
  "startDate",
  "tags",
  "description",
];

function placeOf(outline: ModuleOutline, node: TS.Node): Location {
  return locationAt(outline.text, node.getStart(outline.source));
}

function fromOutline(
  outline: ModuleOutline,
  error: unknown,
): TS.Node | undefined {
  if (error instanceof DuplicateTaskError) {
    const calls = outline.taskCalls(error.dagId, error.taskId);
    return (calls[1] ?? calls.at(-1))?.idNode;
  }
  if (error instanceof CycleError) {
    const inCycle = new Set(error.cycle);
    const links = outline.afterCalls(error.dagId);
    const link = links.find(
      (l) => inCycle.has(l.taskId) && l.deps.some((d) => inCycle.has(d)),
    );
    return link?.nameNode;
  }
  if (error instanceof UnknownTaskError) {
    return outline.afterCalls(error.dagId).find((l) => l.taskId === error.task)
      ?.nameNode;
  }
  if (error instanceof DagDefinitionError) {
    if (error.taskId !== undefined) {
      return outline.taskCalls(error.dagId, error.taskId)[0]?.idNode;
    }
    const call = outline.dagCall(error.dagId);
    const option = OPTION_NAMES.find((name) =>
      new RegExp(`\\b${name}\\b`).test(error.message),
    );
    return (option && call?.options.get(option)) || call?.idNode;
  }
  if (error instanceof ConfigError) {
    const named = /(postgres|mixpanel) connection "([^"]+)"/i.exec(
      error.message,
    );
    if (named) {
      return outline.connectionCall(named[1]!.toLowerCase(), named[2]!);
    }
  }
  return undefined;
}

/** Frames look like `at fn (/abs/file.ts:12:5)` or `at file:///abs/file.ts?q:12:5`. */
const FRAME = /\(?((?:file:\/\/)?\/[^():]+?)(?:\?[^:)]*)?:(\d+):(\d+)\)?\s*$/;

function fromStack(error: unknown, root: string, own: string) {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const frames: ErrorPlace[] = [];
  for (const line of stack.split("\n").slice(1)) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const raw = match[1]!;
    const path = raw.startsWith("file:") ? fileURLToPath(raw) : raw;
    if (!path.startsWith(root + "/") || path.includes("/node_modules/")) {
      continue;
    }
    frames.push({ path, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames.find((f) => f.path === own) ?? frames[0];
}

/**
 * Where an import error of `path` comes from.
 * @param root the pipelines folder (frames outside it are not the user's)
 */
export async function locateError(
  error: unknown,
  module: { path: string; text: string },
  root: string,
): Promise<ErrorPlace | undefined> {
  try {
    const outline = await scanModule(module.path, module.text);
    const node = fromOutline(outline, error);
    if (node) return { path: module.path, ...placeOf(outline, node) };
  } catch {
    // A module the parser cannot read is placed by its stack instead.
  }
  return fromStack(error, root, module.path);
}
