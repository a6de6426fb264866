/** @jsxRuntime automatic @jsxImportSource react */
/**
 * Colour, or none: NO_COLOR (https://no-color.org) turns every colour off,
 * and each state keeps a symbol of its own so that the screen reads the
 * same without colour.
 */
import { Text } from "ink";
import { createContext, useContext, type ReactNode } from "react";

export const ColorContext = createContext(true);

/** Whether this environment wants colour. */
export function colorWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}

type Colour = "green" | "red" | "yellow" | "cyan" | "gray" | "magenta";

export interface TintProps {
  readonly color?: Colour | undefined;
  readonly bold?: boolean;
  readonly dim?: boolean;
  readonly inverse?: boolean;
  readonly children: ReactNode;
}

/** Text in a colour, when colour is on. */
export function Tint(props: TintProps) {
  const colour = useContext(ColorContext);
  return (
    <Text
      color={colour ? props.color : undefined}
      bold={props.bold ?? false}
      dimColor={colour && (props.dim ?? false)}
      inverse={colour && (props.inverse ?? false)}
    >
      {props.children}
    </Text>
  );
}
