import assert from "node:assert/strict";
import { test } from "node:test";
import { basic, event, getJson, post, startCli } from "./helpers.ts";

test("the process prints its URL first and exits 0 on SIGTERM", async () => {
  const emulator = await startCli(["--port", "0"]);
  assert.match(emulator.firstLine, /^http:\/\/127\.0\.0\.1:\d+$/);

  const reply = await post(
    `${emulator.url}/import?strict=1`,
    JSON.stringify([event()]),
    { authorization: basic("demo-token") },
  );
  assert.equal(reply.status, 200);
  assert.equal(await emulator.stop("SIGTERM"), 0);
});

test("SIGINT also exits 0", async () => {
  const emulator = await startCli(["--port", "0", "--token", "t1"]);
  assert.equal(await emulator.stop("SIGINT"), 0);
});

test("credentials given as flags work and are never printed", async () => {
  const secret = "sa-secret-5e1f";
  const apiSecret = "api-secret-77c0";
  const emulator = await startCli([
    "--token",
    "tok-a",
    "--project-id",
    "4242",
    "--api-secret",
    apiSecret,
    "--service-account",
    `robot:${secret}`,
  ]);
  const body = JSON.stringify([event()]);
  const viaAccount = await post(
    `${emulator.url}/import?strict=1&project_id=4242`,
    body,
    { authorization: basic("robot", secret) },
  );
  const viaSecret = await post(`${emulator.url}/import?strict=1`, body, {
    authorization: basic(apiSecret),
  });
  assert.equal(viaAccount.status, 200);
  assert.equal(viaSecret.status, 200);

  assert.equal(await emulator.stop(), 0);
  const { stdout, stderr } = emulator.output();
  assert.match(stdout, /token tok-a/);
  for (const text of [stdout, stderr]) {
    assert.equal(text.includes(secret), false);
    assert.equal(text.includes(apiSecret), false);
  }
});

test("fault flags become the fault plan", async () => {
  const emulator = await startCli([
    "--fault-429-rate",
    "1",
    "--retry-after",
    "7",
  ]);
  const reply = await post(`${emulator.url}/engage`, "[]");
  assert.equal(reply.status, 429);
  assert.equal(reply.headers["retry-after"], "7");
  const plan = await getJson<{ status429: { rate: number } }>(
    `${emulator.url}/_emulator/faults`,
  );
  assert.equal(plan.status429.rate, 1);
  assert.equal(await emulator.stop(), 0);
});

test("a bad flag is a usage error with exit code 2", async () => {
  const emulator = startCli(["--identity", "sideways"]);
  await assert.rejects(emulator, /exited with code 2: .*--identity must be/s);
});
