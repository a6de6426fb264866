/** Whether these arguments only ask for a help screen. */
export function isHelpRequest(args: readonly string[]): boolean;
/** The stored help text for these arguments, or undefined. */
export function cachedHelp(args: readonly string[]): string | undefined;
/** Stores a help screen; a cache that can not be written is skipped. */
export function rememberHelp(args: readonly string[], text: string): void;
