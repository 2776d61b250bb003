import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import { dataOf } from './column-kind.js';

const always = (): boolean => true;
const never = (): boolean => false;

/**
 * Which rows of a column hold a value: a reader over Arrow's validity bitmap, zero copy. A column
 * without nulls gets a function that returns true without reading memory.
 */
export function validityOf(data: Data): (row: number) => boolean {
  if (DataType.isNull(data.type)) return never;
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return always;
  const bits = data.nullBitmap;
  // Arrow leaves the bitmap unsliced: a slice of a batch keeps its first bit in `offset`.
  const offset = data.offset;
  return (row) => {
    const b = row + offset;
    return ((bits[b >> 3]! >> (b & 7)) & 1) === 1;
  };
}

/** `ctx.valid`: which rows of the named column are not null. */
export function columnValid(batch: RecordBatch, name: string): (row: number) => boolean {
  return validityOf(dataOf(batch, name));
}

/** `ctx.nullCount`: how many rows of the named column are null. */
export function columnNullCount(batch: RecordBatch, name: string): number {
  const data = dataOf(batch, name);
  return DataType.isNull(data.type) ? data.length : data.nullCount;
}
