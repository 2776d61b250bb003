import { InputError } from '../errors.js';
import type { ColumnType } from './column-types.js';

/**
 * A column whose sampled type a later value does not fit, and the type that holds it. Plain data: it crosses
 * from a worker to the coordinator.
 */
export interface ColumnWidening {
  file: string;
  column: string;
  /** The column's type in this run; undefined when the column was not known at all (an NDJSON key first seen after the sample). */
  from?: ColumnType;
  to: ColumnType;
  byteOffset?: number;
  line?: number;
  /** The value that did not fit, shortened. */
  found: string;
}

/**
 * A task met a value that its column's inferred type cannot hold. It is not a bad record: the
 * coordinator widens the column for the whole run and runs the tasks again
 * (src/coordinator/widen-run.ts). Where no coordinator does that (`quiver inspect`), its message
 * says which `--column` to pass.
 */
export class ColumnTooNarrow extends InputError {
  readonly widening: ColumnWidening;
  constructor(widening: ColumnWidening) {
    const where =
      widening.line !== undefined ? `, line ${widening.line}` : widening.byteOffset !== undefined ? `, byte ${widening.byteOffset}` : '';
    const at = `${widening.file}${where}`;
    const what =
      widening.from === undefined
        ? `has a field "${widening.column}" that the sample did not show`
        : `column "${widening.column}" (${widening.from}, inferred from a sample) holds ${widening.found}`;
    super(`${at}: ${what}; it needs type ${widening.to} (pass --column '${widening.column}:${widening.to}')`, {
      location: {
        file: widening.file,
        line: widening.line,
        byteOffset: widening.byteOffset,
        column: widening.column,
        found: widening.found,
      },
    });
    this.widening = widening;
  }

  /** Brand check that works across bundles, where `instanceof` does not. */
  static isColumnTooNarrow(x: unknown): x is ColumnTooNarrow {
    return x instanceof Error && typeof (x as ColumnTooNarrow).widening === 'object' && (x as ColumnTooNarrow).widening !== null;
  }
}
