/** @jsxRuntime automatic @jsxImportSource react */
/**
 * How a run or task state looks: a symbol that reads without colour, and
 * a colour for those who have it.
 */
import { Tint, type TintProps } from "./theme.tsx";

interface Look {
  readonly symbol: string;
  readonly color: TintProps["color"];
  readonly label: string;
}

const LOOKS: Record<string, Look> = {
  queued: { symbol: "·", color: "gray", label: "queued" },
  running: { symbol: "▶", color: "cyan", label: "running" },
  success: { symbol: "✓", color: "green", label: "success" },
  failed: { symbol: "✗", color: "red", label: "failed" },
  up_for_retry: { symbol: "↻", color: "yellow", label: "up for retry" },
  upstream_failed: { symbol: "↑", color: "magenta", label: "upstream failed" },
  skipped: { symbol: "–", color: "gray", label: "skipped" },
  cancelled: { symbol: "⊘", color: "yellow", label: "cancelled" },
};

const NONE: Look = { symbol: " ", color: undefined, label: "none" };

export function lookOf(state: string | undefined): Look {
  return (state && LOOKS[state]) || NONE;
}

/** The legend line: every state with its symbol. */
export const LEGEND = Object.values(LOOKS)
  .map((l) => `${l.symbol} ${l.label}`)
  .join("  ");

/** A state's symbol, coloured. */
export function StateMark(props: { readonly state: string | undefined }) {
  const look = lookOf(props.state);
  return <Tint color={look.color}>{look.symbol}</Tint>;
}

/** A state's symbol and name, coloured. */
export function StateLabel(props: { readonly state: string | undefined }) {
  const look = lookOf(props.state);
  return (
    <Tint color={look.color}>
      {look.symbol} {look.label}
    </Tint>
  );
}
