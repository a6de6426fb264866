import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { startEmulator } from "../../core/emulator/index.ts";
import type { Emulator } from "../../core/emulator/index.ts";
import { getJson } from "./helpers.ts";

const run = promisify(execFile);
const here = new URL(".", import.meta.url).pathname;

type Profile = Record<string, unknown> & {
  $properties: Record<string, unknown>;
};

describe("the official mixpanel npm package", () => {
  let dir: string;
  let emulator: Emulator;
  const project = {
    token: "sdk-token",
    projectId: 31337,
    apiSecret: "sdk-api-secret",
    serviceAccounts: [{ username: "sdk-robot", secret: "sdk-robot-secret" }],
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "backflow-emulator-tls-"));
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    const { readFile } = await import("node:fs/promises");
    emulator = await startEmulator({
      projects: [project],
      tls: {
        key: await readFile(join(dir, "key.pem")),
        cert: await readFile(join(dir, "cert.pem")),
      },
    });
  });
  after(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("gets success for valid data and its documented errors otherwise", async () => {
    const config = {
      url: emulator.url,
      token: project.token,
      projectId: String(project.projectId),
      user: "sdk-robot",
      secret: "sdk-robot-secret",
      apiSecret: project.apiSecret,
    };
    const { stdout } = await run(
      process.execPath,
      [join(here, "official-sdk-child.mjs"), JSON.stringify(config)],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, "cert.pem") } },
    );
    assert.deepEqual(JSON.parse(stdout), {
      importWithServiceAccount: null,
      importInvalid:
        "Mixpanel Server Error: some data points in the request failed validation",
      importWithApiSecret: null,
      peopleSet: null,
      peopleSetWithoutId:
        "Mixpanel Server Error: Engage API error: $distinct_id, missing or empty",
      groupsSet: null,
      track: null,
    });

    // Served over TLS with a certificate only the child trusts, so the
    // emulator is inspected in-process here.
    const state = emulator.state;
    const events = [...state.events.parsed()] as Array<{
      event: string;
      properties: Record<string, unknown>;
    }>;
    const ids = events.map((e) => `${e.event}/${e.properties.$insert_id}`);
    assert.equal(ids.length, 5);
    for (const n of [1, 2, 3])
      assert.ok(ids.includes(`Order Completed/sdk-${n}`));
    assert.ok(ids.includes("Signed Up/sdk-4"));
    assert.ok(events.some((e) => e.event === "Viewed"));
    const [profile] = state.users.list();
    assert.deepEqual(
      [
        profile!.$distinct_id,
        (profile!.$properties as Profile["$properties"]).plan,
      ],
      ["u_1", "pro"],
    );
    const [group] = state.groups.list();
    assert.equal((group!.$properties as Profile["$properties"]).name, "Acme");
  });
});

describe("the mixpanel-import package", () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator({
      projects: [
        {
          token: "mi-token",
          projectId: 777,
          serviceAccounts: [{ username: "mi-robot", secret: "mi-secret" }],
        },
      ],
    });
  });
  after(() => emulator.close());

  test("imports events, user profiles and group profiles into the emulator", async () => {
    const now = Date.now();
    const events = Array.from({ length: 5 }, (_, n) => ({
      event: "Page Viewed",
      properties: {
        time: now - n,
        distinct_id: `u_${n}`,
        $insert_id: `mi-${n}`,
      },
    }));
    const jobs = [
      {
        recordType: "event",
        records: events,
        creds: { acct: "mi-robot", pass: "mi-secret", project: "777" },
        options: { strict: true },
      },
      {
        recordType: "user",
        records: [0, 1, 2].map((n) => ({
          $distinct_id: `u_${n}`,
          $set: { plan: n === 0 ? "pro" : "free" },
        })),
        options: { addToken: true },
      },
      {
        recordType: "group",
        creds: { token: "mi-token", groupKey: "company_id" },
        records: [
          { $group_key: "company_id", $group_id: "acme", $set: { seats: 9 } },
        ],
        options: { addToken: true },
      },
    ];
    const { stdout } = await run(
      process.execPath,
      [join(here, "mixpanel-import-child.mjs"), JSON.stringify(jobs)],
      {
        env: {
          ...process.env,
          EMULATOR_URL: emulator.url,
          EMULATOR_TOKEN: "mi-token",
        },
        timeout: 30_000,
      },
    );
    const summaries = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { success: number; failed: number });
    assert.deepEqual(
      summaries.map((s) => [s.success, s.failed]),
      [
        [5, 0],
        [3, 0],
        [1, 0],
      ],
    );

    const stats = await getJson<Record<string, number>>(
      `${emulator.url}/_emulator/stats`,
    );
    assert.deepEqual(
      [stats.events, stats.profiles, stats.groups, stats.rejected],
      [5, 3, 1, 0],
    );
    const requests = await getJson<Array<Record<string, unknown>>>(
      `${emulator.url}/_emulator/requests`,
    );
    assert.equal(requests[0]!.contentEncoding, "gzip");
  });
});
