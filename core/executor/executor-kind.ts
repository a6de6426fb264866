/**
 * Where task instances run: `local`, in the scheduler process (the
 * default), or `distributed`, on `backflow worker` processes that take them
 * from a job queue in the metadata store.
 */
import { ConfigError } from "../errors.ts";

export type ExecutorKind = "local" | "distributed";

export const EXECUTOR_KINDS: readonly ExecutorKind[] = ["local", "distributed"];

/**
 * The executor named by a flag or by `BACKFLOW_EXECUTOR` (default: local).
 * @throws ConfigError for any other value
 */
export function executorKind(
  value: string | undefined = process.env.BACKFLOW_EXECUTOR,
  from = "BACKFLOW_EXECUTOR",
): ExecutorKind {
  const given = value?.trim() ?? "";
  if (given === "") return "local";
  if ((EXECUTOR_KINDS as readonly string[]).includes(given)) {
    return given as ExecutorKind;
  }
  throw new ConfigError(
    `${from} is "${given}"; use ${EXECUTOR_KINDS.join(" or ")}`,
  );
}
