/** @jsxRuntime automatic @jsxImportSource react */
/**
 * A table that fits the terminal: columns keep their natural width while
 * there is room; on a narrow screen the optional ones go first (highest
 * `drop` first), then the flexible one is cut with an ellipsis.
 */
import { Box, Text } from "ink";

import { StateMark } from "./state-mark.tsx";
import { Tint, type TintProps } from "./theme.tsx";

export interface Cell {
  readonly text: string;
  /** A state symbol before the text. */
  readonly state?: string | undefined;
  readonly color?: TintProps["color"];
  readonly bold?: boolean;
}

export interface ColumnSpec {
  readonly header: string;
  readonly align?: "left" | "right";
  /** Dropped on a narrow screen, highest first; absent: always kept. */
  readonly drop?: number;
  /** This column gives up width first (default: none). */
  readonly flexible?: boolean;
  /** Narrowest a flexible column gets (default: 8). */
  readonly min?: number;
}

interface Fitted {
  readonly index: number;
  readonly spec: ColumnSpec;
  readonly width: number;
}

const GAP = 2;
const MARKER = 2;

export const cellWidth = (cell: Cell) =>
  cell.text.length + (cell.state ? 2 : 0);

export function fitColumns(
  specs: readonly ColumnSpec[],
  rows: readonly (readonly Cell[])[],
  width: number,
): Fitted[] {
  let fitted: Fitted[] = specs.map((spec, index) => ({
    index,
    spec,
    width: Math.max(
      spec.header.length,
      ...rows.map((r) => (r[index] ? cellWidth(r[index]) : 0)),
    ),
  }));
  const total = () =>
    MARKER + fitted.reduce((sum, c) => sum + c.width + GAP, -GAP);

  const droppable = () =>
    fitted
      .filter((c) => c.spec.drop !== undefined)
      .sort((a, b) => b.spec.drop! - a.spec.drop!)[0];
  for (let next = droppable(); total() > width && next; next = droppable()) {
    fitted = fitted.filter((c) => c !== next);
  }
  const over = total() - width;
  if (over > 0) {
    fitted = fitted.map((c) =>
      c.spec.flexible
        ? { ...c, width: Math.max(c.spec.min ?? 8, c.width - over) }
        : c,
    );
  }
  return fitted;
}

function CellText(props: { readonly cell: Cell | undefined }) {
  const cell = props.cell;
  if (!cell) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {cell.state ? <StateMark state={cell.state} /> : null}
      {cell.state ? " " : ""}
      <Tint color={cell.color} bold={cell.bold ?? false}>
        {cell.text}
      </Tint>
    </Text>
  );
}

export interface TableProps {
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly (readonly Cell[])[];
  readonly width: number;
  /** The row under the cursor, marked with ">". */
  readonly selected?: number | undefined;
  /** Rows shown at most; the window follows the cursor. */
  readonly height?: number;
}

/** The rows to show out of `total` so that `selected` stays in view. */
export function windowOf(total: number, height: number, selected = 0) {
  if (total <= height) return { start: 0, end: total };
  const start = Math.min(
    Math.max(0, selected - Math.floor(height / 2)),
    total - height,
  );
  return { start, end: start + height };
}

export function Table(props: TableProps) {
  const fitted = fitColumns(props.columns, props.rows, props.width);
  const { start, end } = windowOf(
    props.rows.length,
    Math.max(1, props.height ?? props.rows.length),
    props.selected,
  );
  const line = (cells: (Cell | undefined)[], marker: string, key: string) => (
    <Box key={key} flexDirection="row">
      <Box width={MARKER} flexShrink={0}>
        <Text>{marker}</Text>
      </Box>
      {fitted.map((c, i) => (
        <Box
          key={c.index}
          width={c.width + (i === fitted.length - 1 ? 0 : GAP)}
          flexShrink={0}
          paddingRight={i === fitted.length - 1 ? 0 : GAP}
          justifyContent={c.spec.align === "right" ? "flex-end" : "flex-start"}
        >
          <CellText cell={cells[c.index]} />
        </Box>
      ))}
    </Box>
  );
  return (
    <Box flexDirection="column">
      {line(
        props.columns.map((c) => ({ text: c.header, bold: true })),
        " ",
        "header",
      )}
      {props.rows
        .slice(start, end)
        .map((row, i) =>
          line([...row], start + i === props.selected ? ">" : " ", `r${i}`),
        )}
    </Box>
  );
}
