/**
 * The fault plan: which failures the emulator injects, how often and where.
 * Posted as JSON to `POST /_emulator/faults`, given as `faults` to
 * `startEmulator`, or built from the CLI flags. Every key is optional; an
 * empty object injects nothing.
 *
 * Each fault takes a trigger:
 *   rate       chance per matching request, 0..1 (default: 1)
 *   count      fire at most this many times (default: unlimited); with
 *              rate 1 this means "the first N matching requests"
 *   skip       let this many matching requests pass before firing (default: 0)
 *   endpoints  paths it applies to, e.g. ["/import"] (default: all API paths)
 *
 * Faults, in the order a request meets them:
 *   latency      { ms, jitterMs? } delay before handling
 *   resetBefore  close the connection with a TCP reset, nothing applied
 *   status429    { retryAfterSeconds? (default 1; null sends no
 *                  Retry-After header) } 429 + Retry-After
 *   status5xx    { status? (500|502|503|504, default 503),
 *                  body? ("json"|"html"|"text", default "text") }
 *   resetAfter   apply the request, then reset the connection unanswered
 *   truncated    apply the request, then send half of a 200 body
 *   rateLimit    { eventsPerSecond, burst? } token bucket on records;
 *                beyond it 429 (not a trigger: always on when present)
 *   seed         seed of the random rolls, for repeatable runs
 *
 * @example {"status429": {"rate": 1, "count": 2, "retryAfterSeconds": 1}}
 */
import type { input as ZodInput, output as ZodOutput } from "zod";

import { z } from "../util/zod.ts";

const trigger = {
  rate: z.number().min(0).max(1).default(1),
  count: z.number().int().min(0).optional(),
  skip: z.number().int().min(0).default(0),
  endpoints: z.array(z.string().startsWith("/")).optional(),
};

const bareFault = z.object(trigger).strict();

export const faultPlanSchema = z
  .object({
    latency: z
      .object({
        ...trigger,
        ms: z.number().min(0),
        jitterMs: z.number().min(0).default(0),
      })
      .strict()
      .optional(),
    resetBefore: bareFault.optional(),
    status429: z
      .object({
        ...trigger,
        retryAfterSeconds: z.number().min(0).nullable().default(1),
      })
      .strict()
      .optional(),
    status5xx: z
      .object({
        ...trigger,
        status: z
          .union([
            z.literal(500),
            z.literal(502),
            z.literal(503),
            z.literal(504),
          ])
          .default(503),
        body: z.enum(["json", "html", "text"]).default("text"),
      })
      .strict()
      .optional(),
    resetAfter: bareFault.optional(),
    truncated: bareFault.optional(),
    rateLimit: z
      .object({
        eventsPerSecond: z.number().positive(),
        burst: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    seed: z.number().int().optional(),
  })
  .strict();

/** A fault plan as written by users (defaults optional). */
export type FaultPlan = ZodInput<typeof faultPlanSchema>;
/** A fault plan with defaults filled in. */
export type ParsedFaultPlan = ZodOutput<typeof faultPlanSchema>;

export type FaultName =
  | "latency"
  | "resetBefore"
  | "status429"
  | "status5xx"
  | "resetAfter"
  | "truncated";

/** Parses a plan, or returns a readable reason why it is malformed. */
export function parseFaultPlan(
  input: unknown,
): { ok: true; plan: ParsedFaultPlan } | { ok: false; error: string } {
  const result = faultPlanSchema.safeParse(input);
  if (result.success) return { ok: true, plan: result.data };
  return { ok: false, error: z.prettifyError(result.error) };
}
