/**
 * zod, loaded through `require`. Its ES module build is about 95 files, and
 * at start-up each would pass through the TypeScript loader's thread (a
 * tenth of a CPU-second for every `backflow` process); the CommonJS build
 * of the same version loads natively.
 */
import { createRequire } from "node:module";

import type * as Zod from "zod";

export const { z } = createRequire(import.meta.url)("zod") as typeof Zod;
