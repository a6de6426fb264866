/**
 * The property part of a compiled mapping: an ordered list of steps (name →
 * column or function) decided once per task, then applied to every row
 * without further lookups.
 */
import { DagDefinitionError } from "../builder/dag-errors.ts";
import { createLogger, type Logger } from "../util/log.ts";
import { ValueProblem, type ValueConverter } from "./convert-value.ts";
import type { JsonObject } from "./map-result.ts";
import type { AnyRow, PropertyMap } from "./mapping-spec.ts";
import { isReservedForRest, type RecordKind } from "./reserved-properties.ts";

export interface PropertyStep {
  readonly name: string;
  /** Set when the value is a column; otherwise `fn` is. */
  readonly column: string | undefined;
  readonly fn: ((row: AnyRow) => unknown) | undefined;
}

/** Where a property failed: the column (or property) and why. */
export interface StepFailure {
  readonly field: string;
  readonly reason: string;
}

/** What applying steps noticed besides the values. */
export interface StepNotes {
  truncated: string[] | undefined;
  nulls: string[] | undefined;
}

export function planProperties(
  map: PropertyMap<AnyRow> | undefined,
): PropertyStep[] {
  return Object.entries(map ?? {}).map(([name, source]) =>
    typeof source === "string"
      ? { name, column: source, fn: undefined }
      : { name, column: undefined, fn: source },
  );
}

function describe(step: PropertyStep): string {
  return step.column === undefined
    ? `property "${step.name}" (mapped by a function)`
    : `column "${step.column}" (property "${step.name}")`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Converts each step's value into `target`. NULL values are left out and,
 * when `notes.nulls` is an array, listed there.
 * @returns the first failure, or null
 */
export function applySteps(
  steps: readonly PropertyStep[],
  row: AnyRow,
  target: JsonObject,
  converter: ValueConverter,
  notes: StepNotes,
): StepFailure | null {
  for (const step of steps) {
    let raw: unknown;
    if (step.fn === undefined) {
      raw = row[step.column!];
    } else {
      try {
        raw = step.fn(row);
      } catch (error) {
        return {
          field: step.name,
          reason:
            `the function mapping property "${step.name}" threw: ` +
            `${errorText(error)}. Make it handle this row`,
        };
      }
    }
    try {
      const value = converter.convert(raw);
      if (value === undefined) {
        notes.nulls?.push(step.name);
        continue;
      }
      if (converter.truncated) (notes.truncated ??= []).push(step.name);
      target[step.name] = value;
    } catch (error) {
      if (!(error instanceof ValueProblem)) throw error;
      return {
        field: step.column ?? step.name,
        reason: `${describe(step)} ${error.message}`,
      };
    }
  }
  return null;
}

/**
 * The columns `includeRest` adds: every column of the row the mapping does
 * not mention. A reserved name, or one an explicit property already uses, is
 * skipped, with one warning per task and column.
 */
export class RestColumns {
  private readonly warned = new Set<string>();
  private readonly log: Logger;

  constructor(
    private readonly kind: RecordKind,
    /** Columns used by the mapping, and names it sends explicitly. */
    private readonly taken: ReadonlySet<string>,
    scope: { dag: string; task: string },
  ) {
    this.log = createLogger({ scope: "mapping", ...scope });
  }

  /** Steps for this row's remaining columns, in the row's column order. */
  steps(row: AnyRow): readonly PropertyStep[] {
    // Rows of one query share their columns: reuse the last plan when the
    // column list is unchanged, which saves a lookup per column and row.
    if (this.sameColumns(row)) return this.cachedSteps;
    const steps: PropertyStep[] = [];
    for (const column of Object.keys(row)) {
      if (this.taken.has(column)) continue;
      if (isReservedForRest(this.kind, column)) {
        this.warnOnce(column);
        continue;
      }
      steps.push({ name: column, column, fn: undefined });
    }
    this.cachedColumns = Object.keys(row);
    this.cachedSteps = steps;
    return steps;
  }

  private cachedColumns: string[] = [];
  private cachedSteps: readonly PropertyStep[] = [];

  private sameColumns(row: AnyRow): boolean {
    const columns = this.cachedColumns;
    let i = 0;
    for (const column in row) {
      if (columns[i] !== column) return false;
      i++;
    }
    return i === columns.length && i > 0;
  }

  private warnOnce(column: string) {
    if (this.warned.has(column)) return;
    this.warned.add(column);
    this.log.warn("mapping.rest_column_skipped", {
      column,
      message:
        `column "${column}" is not sent by includeRest because Mixpanel ` +
        `reserves that name; map it explicitly under another name`,
    });
  }
}

/**
 * Fails the task, not just the row, when the query lacks a column the
 * mapping names: every row would be rejected for the same reason.
 * @throws DagDefinitionError listing the columns the query does return
 */
export function assertColumns(
  row: AnyRow,
  columns: Iterable<string>,
  scope: { dag: string; task: string },
): void {
  for (const column of columns) {
    if (column in row) continue;
    const have = Object.keys(row).join(", ") || "(none)";
    throw new DagDefinitionError(
      scope.dag,
      scope.task,
      `the mapping names column "${column}", but the query returns only ` +
        `${have}. Fix the mapping or select that column`,
    );
  }
}
