#!/usr/bin/env node
// The `backflow` executable. Pipelines are TypeScript, so the TypeScript
// loader is registered before anything else is imported.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
