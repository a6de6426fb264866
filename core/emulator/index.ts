/**
 * The local Mixpanel emulator (`backflow emulator`): `/import`, `/track`,
 * `/engage` and `/groups` with Mixpanel's rules and reply shapes, fault
 * injection, and `/_emulator/*` inspection routes.
 */
export { startEmulator } from "./server.ts";
export type { Emulator } from "./server.ts";
export { DEFAULT_TOKEN } from "./options.ts";
export type {
  EmulatorOptions,
  ProjectConfig,
  ServiceAccount,
  TimingOptions,
} from "./options.ts";
export { faultPlanSchema, parseFaultPlan } from "./fault-plan.ts";
export type { FaultPlan, ParsedFaultPlan } from "./fault-plan.ts";
export type {
  EmulatorState,
  EmulatorStats,
  Rejection,
  RequestRecord,
} from "./state.ts";
