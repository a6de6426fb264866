/** @jsxRuntime automatic @jsxImportSource react */
/**
 * The keys of the screen shown, always on the last line.
 */
import { Text } from "ink";

import { clip } from "./format.ts";
import { Tint } from "./theme.tsx";

export type ScreenKind = "dags" | "grid" | "task";

const KEYS: Record<ScreenKind, readonly (readonly [string, string])[]> = {
  dags: [
    ["↑↓", "move"],
    ["enter", "runs"],
    ["t", "trigger"],
    ["p", "pause/unpause"],
    ["q", "quit"],
  ],
  grid: [
    ["↑↓←→", "move"],
    ["enter", "task"],
    ["esc", "back"],
    ["t", "trigger"],
    ["p", "pause/unpause"],
    ["r", "retry failed"],
    ["q", "quit"],
  ],
  task: [
    ["esc", "back"],
    ["t", "trigger"],
    ["p", "pause/unpause"],
    ["r", "retry failed"],
    ["q", "quit"],
  ],
};

/** The help text of a screen, as plain text. */
export function helpText(kind: ScreenKind): string {
  return KEYS[kind].map(([key, what]) => `${key} ${what}`).join("  ");
}

export function HelpLine(props: { kind: ScreenKind; width: number }) {
  return (
    <Text wrap="truncate-end">
      <Tint inverse>{clip(helpText(props.kind), props.width)}</Tint>
    </Text>
  );
}
