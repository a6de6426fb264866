#!/usr/bin/env node
// The `backflow` executable. Pipelines are TypeScript, so the TypeScript
// loader is registered before anything else is imported; a help screen
// seen before is printed without it (see help-cache.js).
import { cachedHelp, isHelpRequest } from "./help-cache.js";

const args = process.argv.slice(2);
const help = isHelpRequest(args) ? cachedHelp(args) : undefined;
if (help !== undefined) {
  process.stdout.write(help);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./main.ts");
}
