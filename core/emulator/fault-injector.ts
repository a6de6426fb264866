/**
 * Decides, request by request, which fault of the current plan fires.
 * Counters restart whenever the plan is replaced or the emulator is reset,
 * so a test that posts a plan gets the same faults every run.
 */
import type { FaultName, ParsedFaultPlan } from "./fault-plan.ts";
import { TokenBucket } from "./token-bucket.ts";

/** Small seeded generator (mulberry32): repeatable rolls for a given seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAULTS: FaultName[] = [
  "latency",
  "resetBefore",
  "status429",
  "status5xx",
  "resetAfter",
  "truncated",
];

export class FaultInjector {
  private plan: ParsedFaultPlan = {};
  private random: () => number = Math.random;
  private seen = new Map<FaultName, number>();
  private fired = new Map<FaultName, number>();
  private bucket: TokenBucket | null = null;

  constructor(
    plan: ParsedFaultPlan,
    private readonly clock: () => number,
  ) {
    this.setPlan(plan);
  }

  get current(): ParsedFaultPlan {
    return this.plan;
  }

  setPlan(plan: ParsedFaultPlan): void {
    this.plan = plan;
    this.restart();
  }

  /** Restarts counters, the random sequence and the token bucket. */
  restart(): void {
    const { seed, rateLimit } = this.plan;
    this.random = seed === undefined ? Math.random : seededRandom(seed);
    for (const name of FAULTS) {
      this.seen.set(name, 0);
      this.fired.set(name, 0);
    }
    this.bucket = rateLimit
      ? new TokenBucket(
          rateLimit.eventsPerSecond,
          rateLimit.burst ?? rateLimit.eventsPerSecond,
          this.clock,
        )
      : null;
  }

  /** Whether fault `name` fires for a request to `path`. */
  fires(name: FaultName, path: string): boolean {
    const fault = this.plan[name];
    if (!fault) return false;
    if (fault.endpoints && !fault.endpoints.includes(path)) return false;

    const seen = (this.seen.get(name) ?? 0) + 1;
    this.seen.set(name, seen);
    if (seen <= fault.skip) return false;

    const fired = this.fired.get(name) ?? 0;
    if (fault.count !== undefined && fired >= fault.count) return false;
    if (this.random() >= fault.rate) return false;
    this.fired.set(name, fired + 1);
    return true;
  }

  /** How often each fault fired since the plan was set or restarted. */
  firedCounts(): Record<FaultName, number> {
    return Object.fromEntries(
      FAULTS.map((name) => [name, this.fired.get(name) ?? 0]),
    ) as Record<FaultName, number>;
  }

  /** The delay for this request in ms, 0 when latency does not fire. */
  latencyMs(path: string): number {
    const latency = this.plan.latency;
    if (!latency || !this.fires("latency", path)) return 0;
    return latency.ms + this.random() * latency.jitterMs;
  }

  /** Seconds to wait when the rate limit refuses `records`, else 0. */
  throttle(records: number): number {
    return this.bucket ? this.bucket.take(records) : 0;
  }
}
