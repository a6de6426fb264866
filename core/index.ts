/**
 * What pipeline modules may import from "backflow". Everything else under
 * `core/` is internal and may change.
 */
export { BackflowError, ConfigError } from "./errors.ts";
