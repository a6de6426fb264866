// Runs the third-party `mixpanel-import` package against the emulator.
//
// mixpanel-import has no host option: it sends through undici `Pool`s
// created when it loads, for the fixed origins https://api*.mixpanel.com.
// Before loading it, this script replaces undici's `Pool` export (the same
// module instance mixpanel-import resolves) with one that connects to the
// emulator over plain HTTP. The package also installs process-wide signal
// handlers, which is why it runs here, in a child process.
//
// Input: env EMULATOR_URL, EMULATOR_TOKEN; argv[2] a JSON job list
// [{recordType, records, creds?, options?}]. Output: one JSON line per job.
import { createRequire } from "node:module";
import { dirname } from "node:path";

const require = createRequire(import.meta.url);
const target = process.env.EMULATOR_URL;
const packageDir = dirname(require.resolve("mixpanel-import"));
const undici = require(require.resolve("undici", { paths: [packageDir] }));

const RealPool = undici.Pool;
undici.Pool = class EmulatorPool extends RealPool {
  constructor(_origin, options) {
    super(target, options);
  }
};

const mpImport = require("mixpanel-import");
const jobs = JSON.parse(process.argv[2]);
const quiet = { logs: false, verbose: false, showProgress: false };

for (const job of jobs) {
  const creds = job.creds ?? { token: process.env.EMULATOR_TOKEN };
  const options = { recordType: job.recordType, ...quiet, ...job.options };
  try {
    const result = await mpImport(creds, job.records, options);
    const { success, failed, total, responses, errors } = result;
    const summary = { success, failed, total, responses, errors };
    process.stdout.write(JSON.stringify(summary) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }) + "\n");
  }
}
process.exit(0);
