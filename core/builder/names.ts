/**
 * The shape of DAG, task and connection ids. They appear in file names, URLs,
 * metric labels and the `$insert_id` hash input (joined by ':'), so they are
 * kept to a small, unambiguous alphabet.
 */
import { ConfigError } from "../errors.ts";

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const MAX_ID_LENGTH = 128;

/**
 * @param what e.g. `task id` or `postgres connection name`
 * @throws ConfigError saying which characters are allowed
 */
export function assertId(
  value: unknown,
  what: string,
): asserts value is string {
  if (
    typeof value === "string" &&
    value.length <= MAX_ID_LENGTH &&
    ID_PATTERN.test(value)
  ) {
    return;
  }
  throw new ConfigError(
    `${what} ${JSON.stringify(value)} is invalid: use 1 to ${MAX_ID_LENGTH} ` +
      `letters, digits, '_', '.' or '-', starting with a letter or digit`,
  );
}

/** Whether `zone` is an IANA time zone this Node.js knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
