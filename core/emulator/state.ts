/**
 * Everything the emulator holds: stores, logs, counters, projects and the
 * fault injector. Handlers change it synchronously, so a request is applied
 * all at once.
 */
import type { Violation } from "../mixpanel/rules.ts";
import { EventStore } from "./event-store.ts";
import { FaultInjector } from "./fault-injector.ts";
import { parseFaultPlan } from "./fault-plan.ts";
import type { EmulatorOptions, ResolvedProject } from "./options.ts";
import { resolveProjects } from "./options.ts";
import { ProfileStore } from "./profile-store.ts";
import { RingLog } from "./ring-log.ts";

export interface Rejection {
  endpoint: string;
  index: number;
  field: string;
  message: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  /** HTTP status sent; 0 when the connection was reset instead. */
  status: number;
  /** `Content-Encoding` of the request, null when absent. */
  contentEncoding: string | null;
  /** Body bytes as received (compressed size when gzip). */
  bytes: number;
  /** Records (events or updates) parsed from the body. */
  records: number;
}

export interface EmulatorStats {
  events: number;
  duplicates: number;
  profiles: number;
  groups: number;
  rejected: number;
  requests: number;
}

export class EmulatorState {
  readonly events = new EventStore();
  readonly users = new ProfileStore();
  readonly groups = new ProfileStore();
  readonly requestLog: RingLog<RequestRecord>;
  readonly rejectionLog: RingLog<Rejection>;
  readonly projects: readonly ResolvedProject[];
  readonly faults: FaultInjector;
  readonly clock: () => number;
  rejected = 0;
  requests = 0;
  /** Records counted in timing mode, where nothing is stored. */
  readonly timed = { events: 0, profiles: 0, groups: 0 };
  /** Bodies written to the timing-mode spool directory. */
  spooled = 0;

  constructor(readonly options: EmulatorOptions) {
    this.clock = options.clock ?? Date.now;
    this.projects = resolveProjects(options.projects);
    this.requestLog = new RingLog(options.logSize ?? 10_000);
    this.rejectionLog = new RingLog(options.logSize ?? 10_000);

    const parsed = parseFaultPlan(options.faults ?? {});
    if (!parsed.ok) throw new TypeError(`invalid fault plan: ${parsed.error}`);
    this.faults = new FaultInjector(parsed.plan, this.clock);
  }

  get timing(): boolean {
    return Boolean(this.options.timing);
  }

  projectByToken(token: unknown): ResolvedProject | undefined {
    return this.projects.find((project) => project.token === token);
  }

  reject(endpoint: string, index: number, violation: Violation): void {
    this.rejected += 1;
    this.rejectionLog.push({ endpoint, index, ...violation });
  }

  stats(): EmulatorStats {
    return {
      events: this.events.count + this.timed.events,
      duplicates: this.events.duplicates,
      profiles: this.users.count + this.timed.profiles,
      groups: this.groups.count + this.timed.groups,
      rejected: this.rejected,
      requests: this.requests,
    };
  }

  /** Forgets all data, logs and counters; keeps the fault plan, restarted. */
  reset(): void {
    this.events.clear();
    this.users.clear();
    this.groups.clear();
    this.requestLog.clear();
    this.rejectionLog.clear();
    this.rejected = 0;
    this.requests = 0;
    this.timed.events = this.timed.profiles = this.timed.groups = 0;
    this.faults.restart();
  }
}
