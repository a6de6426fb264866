// Drives the official `mixpanel` npm package against the emulator.
//
// The SDK sends service-account and API-secret requests only over HTTPS,
// so the emulator serves TLS with a throw-away certificate that this
// process trusts through NODE_EXTRA_CA_CERTS (set by the test).
//
// Input: argv[2] JSON {url, token, projectId, user, secret, apiSecret}.
// Output: one JSON object mapping each step to null (success) or the
// SDK's error message.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const Mixpanel = require("mixpanel");
const config = JSON.parse(process.argv[2]);

const quiet = {};
for (const level of ["trace", "debug", "info", "warn", "error"]) {
  quiet[level] = () => {};
}
const base = {
  host: new URL(config.url).host,
  protocol: "https",
  keepAlive: false,
  logger: quiet,
};
const credentials = new Mixpanel.ServiceAccountCredentials(
  config.user,
  config.secret,
  config.projectId,
);
const account = Mixpanel.init(config.token, {
  ...base,
  verbose: true,
  credentials,
});
const legacy = Mixpanel.init(config.token, {
  ...base,
  secret: config.apiSecret,
});
const plain = Mixpanel.init(config.token, base);
const verbose = Mixpanel.init(config.token, { ...base, verbose: true });

function outcome(error) {
  if (!error) return null;
  if (Array.isArray(error)) {
    return error.length ? error.map((e) => String(e.message)).join("; ") : null;
  }
  return String(error.message ?? error);
}
const call = (run) => new Promise((done) => run((e) => done(outcome(e))));

const now = Date.now();
const valid = [1, 2, 3].map((n) => ({
  event: "Order Completed",
  properties: {
    time: now - n * 1000,
    distinct_id: "u_1",
    $insert_id: `sdk-${n}`,
  },
}));
const tooOld = [
  {
    event: "Order Completed",
    properties: { time: 1000, distinct_id: "u_1", $insert_id: "sdk-old" },
  },
];

const results = {
  importWithServiceAccount: await call((cb) => account.import_batch(valid, cb)),
  importInvalid: await call((cb) => account.import_batch(tooOld, cb)),
  importWithApiSecret: await call((cb) =>
    legacy.import(
      "Signed Up",
      now,
      { distinct_id: "u_2", $insert_id: "sdk-4" },
      cb,
    ),
  ),
  peopleSet: await call((cb) =>
    plain.people.set("u_1", { plan: "pro", seats: 3 }, cb),
  ),
  peopleSetWithoutId: await call((cb) =>
    verbose.people.set("", { plan: "pro" }, cb),
  ),
  groupsSet: await call((cb) =>
    plain.groups.set("company_id", "acme", { name: "Acme" }, cb),
  ),
  track: await call((cb) => plain.track("Viewed", { distinct_id: "u_3" }, cb)),
};
process.stdout.write(JSON.stringify(results) + "\n");
