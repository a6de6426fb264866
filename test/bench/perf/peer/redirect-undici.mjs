// Preload for mixpanel-import: it has no option for the API host and
// builds its undici pools for *.mixpanel.com when it is required, so the
// Pool class of the undici it resolves is swapped for one that connects to
// the emulator instead (path and query untouched). Must run before
// mixpanel-import is loaded: `node --import ./redirect-undici.mjs …`.
import { createRequire } from "node:module";
import { dirname } from "node:path";

const target = process.env.MP_EMULATOR;
if (target) {
  const require = createRequire(import.meta.url);
  const peer = dirname(require.resolve("mixpanel-import"));
  const undici = require(require.resolve("undici", { paths: [peer] }));
  const Base = undici.Pool;
  undici.Pool = class RedirectedPool extends Base {
    constructor(origin, options) {
      super(/mixpanel\.com/.test(String(origin)) ? target : origin, options);
    }
  };
}
