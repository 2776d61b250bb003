import { Field, Schema, Table, Vector, tableFromIPC, vectorFromArray, type DataType } from 'apache-arrow';
import { take } from '../join/take.js';
import { describeType, vectorOfHeld, type ColumnPlan, type Held } from './columns.js';
import { compareRecords, type KeyRecord, type SortKey } from './keys.js';
import type { PartAcc } from './partition.js';
import type { SampleAcc } from './sample.js';

/** The carried columns (every column read), the column of each key, and the output columns in order. */
export function plansOf(fields: Field[], stats: SampleAcc, keys: SortKey[], wanted: string[]) {
  const names = fields.map((f) => f.name);
  for (const n of wanted)
    if (!names.includes(n))
      throw new Error(`--param columns names column ${n}, which the input does not have (columns: ${names.join(', ')})`);
  const cols: ColumnPlan[] = fields.map((f) => ({
    name: f.name,
    nulls: stats.splits.some((s) => (s.nulls[f.name] ?? 0) > 0),
    ...describeType(f.name, f.type),
  }));
  return { cols, keyCols: keys.map((k) => names.indexOf(k.column)), output: (wanted.length ? wanted : names).map((n) => names.indexOf(n)) };
}

/** Rows in all; the first held row and text byte of each split (by id); text bytes per column. */
export function basesOf(stats: SampleAcc, cols: ColumnPlan[]) {
  const splitBase: number[] = [],
    byteBase: number[][] = [],
    bytes = cols.map(() => 0);
  let rows = 0;
  for (const s of [...stats.splits].filter((x) => x.id >= 0).sort((a, b) => a.id - b.id)) {
    splitBase[s.id] = rows;
    byteBase[s.id] = [...bytes];
    rows += s.rows;
    cols.forEach((p, c) => {
      bytes[c]! += s.bytes[p.name] ?? 0;
    });
  }
  const big = bytes.findIndex((b) => b >= 2 ** 31);
  if (big >= 0)
    throw new Error(
      `column ${cols[big]!.name} holds ${bytes[big]} bytes of text; sort keeps at most 2 GB of text per column (Arrow Utf8 offsets are ` +
        `32-bit)`,
    );
  return { rows, splitBase, byteBase, bytes };
}

/**
 * Up to `ranges` − 1 boundaries: the weighted quantiles of the sample, sorted by full key then input
 * position (each sample weighs its split's stride). Positions make every key distinct, so a key
 * shared by half the rows still spreads over several ranges.
 */
export function boundsOf(stats: SampleAcc, splitBase: number[], keys: SortKey[], ranges: number): KeyRecord[] {
  const all = stats.splits
    .filter((s) => s.id >= 0)
    .flatMap((s) => s.samples.map((x) => ({ ...x, pos: splitBase[s.id]! + x.pos, w: s.stride })));
  all.sort((a, b) => compareRecords(a, b, keys));
  const total = all.reduce((n, x) => n + x.w, 0);
  const bounds: KeyRecord[] = [];
  let seen = 0;
  for (const x of all) {
    if (bounds.length < ranges - 1 && seen >= ((bounds.length + 1) * total) / ranges) bounds.push(x);
    seen += x.w;
  }
  return bounds;
}

/**
 * Where the ranges are, from the partition's counts: per batch in input order the held position
 * where each range's rows start, and the batch's end (R + 1 numbers); per range its first output
 * row and first output text byte per column.
 */
export function rangeLayoutOf(parts: PartAcc, ranges: number, columns: number, rows: number) {
  const starts: number[][] = [];
  const rangeRows = new Array<number>(ranges).fill(0);
  for (let b = 0; b < parts.batches.length; b += ranges + 1) {
    const at = [parts.batches[b]!];
    for (let r = 0; r < ranges; r++) {
      at.push(at[r]! + parts.batches[b + 1 + r]!);
      rangeRows[r]! += parts.batches[b + 1 + r]!;
    }
    starts.push(at);
  }
  if (rangeRows.reduce((a, b) => a + b, 0) !== rows)
    throw new Error('the input changed while it was being sorted (its row count differs between two reads); sort a stable input');
  const rangeBase: number[] = [],
    rangeBytes: number[][] = [];
  const at = new Array<number>(columns).fill(0);
  for (let r = 0, base = 0; r < ranges; base += rangeRows[r]!, r++) {
    rangeBase.push(base);
    rangeBytes.push([...at]);
    for (let c = 0; c < columns; c++) at[c]! += parts.bytes[r * columns + c]!;
  }
  return { batches: starts.sort((x, y) => x[0]! - y[0]!).flat(), rangeBase, rangeBytes };
}

/**
 * The sorted output: the wanted columns of the output arrays, as Arrow vectors over shared memory;
 * nested columns taken from the partition's chunks (`nested`) at their held positions.
 */
export function tableOf(out: Held, cols: ColumnPlan[], fields: Field[], output: number[], rows: number, nested: PartAcc['nested']): Table {
  const vectors: Record<string, Vector> = {};
  const schema: Field[] = [];
  const chunks = nested.length ? [...nested].sort((a, b) => a.start - b.start).map((x) => tableFromIPC(x.ipc)) : [];
  for (const c of output) {
    const vector = (vectors[cols[c]!.name] = cols[c]!.nested
      ? nestedColumnOf(chunks, out.words[c]!, cols[c]!.name, fields[c]!.type, rows)
      : vectorOfHeld(out, cols[c]!, c, fields[c]!.type, rows));
    // The input's field metadata (e.g. a UUID's extension name) stays.
    schema.push(new Field(cols[c]!.name, vector.type, fields[c]!.nullable, fields[c]!.metadata));
  }
  return new Table(new Schema(schema), vectors as never);
}

/** A nested column in sorted order: its values in input order (every batch's chunk, by position) taken at the held positions. */
function nestedColumnOf(chunks: Table[], words: ArrayBufferView, name: string, type: DataType, rows: number): Vector {
  if (rows === 0) return vectorFromArray([], type);
  const inputOrder = new Vector(chunks.flatMap((t) => t.getChild(name)!.data));
  return take(inputOrder, new Int32Array(words.buffer, words.byteOffset, rows));
}
