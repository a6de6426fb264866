/**
 * The emulator as the fault suite uses it: a real `backflow emulator`
 * process on a port that stays the same across restarts, steered through
 * its `/_emulator/*` routes, and its state taken as a snapshot.
 *
 * The emulator keeps everything in memory, so a restart forgets what it
 * held, where real Mixpanel keeps what it acknowledged. The restart case
 * models Mixpanel faithfully this way: it stops the emulator from applying
 * anything more (every request is reset before it is applied), takes a
 * snapshot, SIGKILLs it with requests still in flight and starts a new one
 * on the same port. What Mixpanel holds at the end is the snapshot merged
 * with the new emulator's state, de-duplicated as Mixpanel does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

import { backflowBin, childEnv, projectRoot } from "../helpers/cli.ts";

export const TOKEN = "fault-suite-token";

export interface StoredEvent {
  event: string;
  properties: Record<string, unknown>;
}

export interface Profile {
  $distinct_id?: string;
  $group_key?: string;
  $group_id?: string;
  $properties: Record<string, unknown>;
}

/** What the emulator holds at one moment. */
export interface Snapshot {
  events: StoredEvent[];
  users: Profile[];
  groups: Profile[];
}

export interface RequestEntry {
  path: string;
  status: number;
  records: number;
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class FaultEmulator {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly port: number,
    readonly url: string,
  ) {}

  /** Starts an emulator on `port` (default: a free one). */
  static async start(port?: number): Promise<FaultEmulator> {
    const chosen = port ?? (await freePort());
    const emulator = new FaultEmulator(chosen, `http://127.0.0.1:${chosen}`);
    await emulator.#spawn();
    return emulator;
  }

  async #spawn(): Promise<void> {
    const child = spawn(
      process.execPath,
      [backflowBin, "emulator", "--port", String(this.port), "--token", TOKEN],
      { cwd: projectRoot, env: childEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once("exit", () => resolve()),
    );
    const lines = createInterface({ input: child.stdout! });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      lines.once("line", () => resolve());
      child.once("exit", (code) =>
        reject(new Error(`emulator exited with ${code}: ${stderr}`)),
      );
    });
    lines.on("line", () => {});
  }

  /** SIGKILLs the process (requests in flight die with it). */
  async kill(): Promise<void> {
    this.#child?.kill("SIGKILL");
    await this.#exited;
  }

  /** Starts a new, empty emulator on the same port. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  async stop(): Promise<void> {
    if (this.#child && this.#child.exitCode === null) {
      this.#child.kill("SIGTERM");
    }
    await this.#exited;
  }

  async get<T>(path: string): Promise<T> {
    const response = await fetch(this.url + path);
    return (await response.json()) as T;
  }

  async post(path: string, body: unknown = {}): Promise<void> {
    const response = await fetch(this.url + path, {
      method: "POST",
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error(
        `${path}: HTTP ${response.status} ${await response.text()}`,
      );
    }
  }

  /** Replaces the fault plan (see core/emulator/fault-plan.ts). */
  faults(plan: Record<string, unknown>): Promise<void> {
    return this.post("/_emulator/faults", plan);
  }

  /** Forgets all data and counters; the fault plan stays. */
  reset(): Promise<void> {
    return this.post("/_emulator/reset");
  }

  /** How often each fault fired under the current plan. */
  fired(): Promise<Record<string, number>> {
    return this.get("/_emulator/faults/fired");
  }

  requests(): Promise<RequestEntry[]> {
    return this.get("/_emulator/requests");
  }

  /** API requests answered so far. */
  async apiRequests(): Promise<number> {
    return (await this.get<{ requests: number }>("/_emulator/stats")).requests;
  }

  async snapshot(): Promise<Snapshot> {
    const text = await (await fetch(`${this.url}/_emulator/events`)).text();
    const events = text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as StoredEvent);
    return {
      events,
      users: await this.get<Profile[]>("/_emulator/profiles"),
      groups: await this.get<Profile[]>("/_emulator/groups"),
    };
  }
}

/** Mixpanel's de-duplication key of an event. */
function dedupKey(e: StoredEvent): string {
  const p = e.properties;
  return [e.event, p.distinct_id, p.time, p.$insert_id].join("\u0000");
}

/**
 * Merges snapshots taken in order: events de-duplicated by Mixpanel's key,
 * a later profile's properties laid over an earlier one's.
 */
export function mergeSnapshots(snapshots: readonly Snapshot[]): Snapshot {
  const events = new Map<string, StoredEvent>();
  const users = new Map<string, Profile>();
  const groups = new Map<string, Profile>();
  for (const s of snapshots) {
    for (const e of s.events) events.set(dedupKey(e), e);
    for (const p of s.users) {
      const key = String(p.$distinct_id);
      const before = users.get(key)?.$properties ?? {};
      users.set(key, { ...p, $properties: { ...before, ...p.$properties } });
    }
    for (const p of s.groups) {
      const key = `${p.$group_key}\u0000${p.$group_id}`;
      const before = groups.get(key)?.$properties ?? {};
      groups.set(key, { ...p, $properties: { ...before, ...p.$properties } });
    }
  }
  return {
    events: [...events.values()],
    users: [...users.values()],
    groups: [...groups.values()],
  };
}
