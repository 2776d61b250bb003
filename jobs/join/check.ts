import { DataType, Table, vectorFromArray, type Schema } from 'apache-arrow';
import { UsageError } from 'quiver-engine';
import { missingColumn, timeUnitOf } from './keys.js';

/** A file of one side of the join and its schema, as `q.schemas` gives them. */
export interface SideSchema {
  file: string;
  schema: Schema;
}

/**
 * The checks the join makes on the inputs' schemas before any work (no row is read): every file of a
 * side has its key columns, and key columns that count time agree on what they count. Where both
 * sides' key columns count instants (dates and timestamps), times of day or durations, the join
 * compares them by what they stand for: a coarser unit is counted in the finest unit of that key
 * column on either side (2024-01-01 as Date32<DAY> equals 2024-01-01T00:00 as Timestamp<SECOND>, and
 * 1 s equals 1000 ms). An instant never equals a time of day or a duration: such a pair is an error.
 * A number or text key beside a time key is compared with its count of that unit as it is.
 */
export function checkKeyColumns(left: SideSchema[], right: SideSchema[], on: string[], rightOn: string[]): number[] {
  for (const f of left) checkHas(f, on, 'on');
  for (const f of right) checkHas(f, rightOn, 'rightOn');
  return on.map((name, j) => {
    const columns = [
      ...left.map((f) => ({ file: f.file, name, type: f.schema.fields.find((x) => x.name === name)!.type })),
      ...right.map((f) => ({ file: f.file, name: rightOn[j]!, type: f.schema.fields.find((x) => x.name === rightOn[j])!.type })),
    ];
    const timed = columns.map((c) => ({ ...c, unit: timeUnitOf(c.type) })).filter((c) => c.unit !== undefined);
    const other = timed.find((c) => c.unit!.kind !== timed[0]!.unit!.kind);
    if (other) {
      const a = timed[0]!;
      throw new UsageError(
        `key column "${a.name}" of ${a.file} is ${a.type} (${a.unit!.kind === 'instant' ? 'an instant' : `a ${a.unit!.kind}`}) but ` +
          `"${other.name}" of ${other.file} is ${other.type} ` +
          `(${other.unit!.kind === 'instant' ? 'an instant' : `a ${other.unit!.kind}`}), so no key could ever match; join on columns ` +
          `that count the same thing, or convert one first`,
      );
    }
    // The finest unit both sides are counted in; 0 when no time column takes part.
    return timed.length === 0 ? 0 : Math.min(...timed.map((c) => c.unit!.nanos));
  });
}

function checkHas(f: SideSchema, names: string[], param: string): void {
  const has = f.schema.fields.map((x) => x.name);
  for (const name of names) if (!has.includes(name)) throw missingColumn(param, name, f.file, has);
}

/** A table of no rows with a schema's columns, dictionaries decoded (as the join outputs them). */
export function emptyTable(schema: Schema): Table {
  return new Table(
    Object.fromEntries(schema.fields.map((f) => [f.name, vectorFromArray([], DataType.isDictionary(f.type) ? f.type.dictionary : f.type)])),
  );
}
