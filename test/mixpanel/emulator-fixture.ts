/**
 * A real emulator on loopback plus a client pointed at it, for the client
 * tests. Inspection goes over HTTP, as a user of `backflow emulator` would.
 */
import { request } from "undici";

import { startEmulator, type Emulator } from "../../core/emulator/index.ts";
import type { EmulatorOptions, FaultPlan } from "../../core/emulator/index.ts";
import {
  MixpanelClient,
  type MixpanelClientOptions,
} from "../../core/mixpanel/client.ts";
import {
  resolveMixpanelConnection,
  type MixpanelConnectionInput,
} from "../../core/mixpanel/connection.ts";
import type { MixpanelEvent } from "../../core/mixpanel/types.ts";

export const TOKEN = "client-test-token";

/** Retries in milliseconds so failure paths run fast. */
export const FAST_RETRY = {
  baseDelayMs: 1,
  maxDelayMs: 5,
  maxAttempts: 5,
  maxElapsedMs: 10_000,
};

export interface RequestEntry {
  method: string;
  path: string;
  status: number;
  contentEncoding: string | null;
  bytes: number;
  records: number;
}

export interface Fixture {
  emulator: Emulator;
  url: string;
  client(
    options?: MixpanelClientOptions,
    connection?: Partial<MixpanelConnectionInput>,
  ): MixpanelClient;
  faults(plan: FaultPlan): Promise<void>;
  stats(): Promise<{
    events: number;
    duplicates: number;
    profiles: number;
    groups: number;
    rejected: number;
    requests: number;
  }>;
  requests(): Promise<RequestEntry[]>;
  events(): Promise<MixpanelEvent[]>;
  close(): Promise<void>;
}

async function getText(url: string): Promise<string> {
  const response = await request(url);
  return response.body.text();
}

export async function startFixture(
  options: EmulatorOptions = {},
): Promise<Fixture> {
  const emulator = await startEmulator({
    projects: [{ token: TOKEN }],
    ...options,
  });
  const clients: MixpanelClient[] = [];
  const base = emulator.url;
  return {
    emulator,
    url: base,
    client(clientOptions = {}, connection = {}) {
      const c = new MixpanelClient(
        resolveMixpanelConnection({
          name: "test",
          token: TOKEN,
          apiUrl: base,
          ...connection,
        }),
        { retry: FAST_RETRY, ...clientOptions },
      );
      clients.push(c);
      return c;
    },
    async faults(plan) {
      const response = await request(`${base}/_emulator/faults`, {
        method: "POST",
        body: JSON.stringify(plan),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(text);
    },
    stats: async () => JSON.parse(await getText(`${base}/_emulator/stats`)),
    requests: async () =>
      JSON.parse(await getText(`${base}/_emulator/requests`)),
    events: async () =>
      (await getText(`${base}/_emulator/events`))
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as MixpanelEvent),
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await emulator.close();
    },
  };
}

let serial = 0;

/** A valid event; `properties` override defaults, undefined removes one. */
export function makeEvent(
  properties: Record<string, unknown> = {},
  name = "Order Completed",
): MixpanelEvent {
  serial++;
  const merged: Record<string, unknown> = {
    time: Date.now() - 60_000,
    distinct_id: `user-${serial % 7}`,
    $insert_id: `ins-${process.pid}-${serial}`,
    amount: serial % 100,
    ...properties,
  };
  for (const key of Object.keys(merged)) {
    if (merged[key] === undefined) delete merged[key];
  }
  return { event: name, properties: merged };
}

export function makeEvents(count: number, pad = 0): MixpanelEvent[] {
  return Array.from({ length: count }, () =>
    makeEvent(pad > 0 ? { note: "x".repeat(pad) } : {}),
  );
}
