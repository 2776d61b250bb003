// Hypothesis: formatting a table's cells as CSV / NDJSON lines (src/io/batch-text.ts over format-column.ts)
// costs tens of ns per cell on the column types of a groupby result; loops per type with the null check
// inlined cut that. Formats a 2M-row table shaped like db-benchmark q10's result (three Utf8 keys, three
// Int32 keys, a Float64 sum, an Int64 count) 8192 rows at a time, as text-formats.ts does, and prints
// the CPU per cell of the formatting alone (median of the rounds). Checks the bytes against the first round's.
//
//   node bench/format-lines.mjs [dist dir = ./dist] [csv|json] [rounds = 7] [nulls]
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Field, Float64, Int32, Int64, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';

const dist = path.resolve(process.argv[2] ?? 'dist');
const style = process.argv[3] ?? 'csv';
const rounds = Number(process.argv[4] ?? 7);
const withNulls = process.argv[5] === 'nulls';
const { BatchLines } = await import(pathToFileURL(path.join(dist, 'src/io/batch-text.js')).href);
const { formatColumn } = await import(pathToFileURL(path.join(dist, 'src/io/format-column.js')).href);
const { CellBytes } = await import(pathToFileURL(path.join(dist, 'src/io/cell-bytes.js')).href);

const ROWS = 2_000_000;
let seed = 42;
const rand = (n) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
const pad = (n, w) => String(n).padStart(w, '0');
const nullBitmap = () => {
  const b = new Uint8Array(Math.ceil(ROWS / 8)).fill(255);
  for (let i = 0; i < ROWS; i += 97) b[i >> 3] &= ~(1 << (i & 7));
  return b;
};
const text = (f) => {
  const d = vectorFromArray(Array.from({ length: ROWS }, f), new Utf8()).data[0];
  return withNulls ? makeData({ type: d.type, length: ROWS, nullBitmap: nullBitmap(), valueOffsets: d.valueOffsets, data: d.values }) : d;
};
const ints = (n) =>
  makeData({
    type: new Int32(),
    length: ROWS,
    nullBitmap: withNulls ? nullBitmap() : undefined,
    data: Int32Array.from({ length: ROWS }, () => 1 + rand(n)),
  });
const columns = {
  id1: text(() => `id${pad(1 + rand(100), 3)}`),
  id2: text(() => `id${pad(1 + rand(100), 3)}`),
  id3: text(() => `id${pad(1 + rand(100000), 10)}`),
  id4: ints(100),
  id5: ints(100),
  id6: ints(100000),
  v3_sum: makeData({
    type: new Float64(),
    length: ROWS,
    nullBitmap: withNulls ? nullBitmap() : undefined,
    data: Float64Array.from({ length: ROWS }, () => rand(100_000_000) / 1e6),
  }),
  count: makeData({
    type: new Int64(),
    length: ROWS,
    nullBitmap: withNulls ? nullBitmap() : undefined,
    data: BigInt64Array.from({ length: ROWS }, () => BigInt(1 + rand(3))),
  }),
};
const fields = Object.entries(columns).map(([name, d]) => new Field(name, d.type, true));
const batch = new RecordBatch(
  new Schema(fields),
  makeData({ type: new Struct(fields), length: ROWS, nullCount: 0, children: Object.values(columns) }),
);

const lines = new BatchLines(style);
const cpus = [];
let digest;
for (let round = 0; round < rounds; round++) {
  const hash = createHash('sha1');
  let used = 0;
  for (let start = 0; start < ROWS; start += 8192) {
    const before = process.cpuUsage();
    const bytes = lines.of(batch, start, Math.min(ROWS, start + 8192));
    const after = process.cpuUsage(before);
    used += after.user + after.system;
    hash.update(bytes); // outside the timed part: the check of the bytes
  }
  const h = hash.digest('hex');
  if (digest !== undefined && h !== digest) throw new Error(`round ${round}: other bytes than round 0`);
  digest = h;
  cpus.push(used / 1000);
}
const ms = cpus.sort((a, b) => a - b)[cpus.length >> 1];
// Each column's formatting alone (median of the rounds), in ns per cell; the rest of `ms` is joining the cells into lines.
const perColumn = {};
fields.forEach((f, j) => {
  const cells = new CellBytes();
  const times = [];
  for (let round = 0; round < rounds; round++) {
    const before = process.cpuUsage();
    for (let start = 0; start < ROWS; start += 8192) {
      cells.reset();
      formatColumn(batch.data.children[j], f, style, start, Math.min(ROWS, start + 8192), cells);
    }
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  perColumn[f.name] = +((times.sort((a, b) => a - b)[times.length >> 1] * 1e6) / ROWS).toFixed(1);
});
const formatting = (Object.values(perColumn).reduce((a, b) => a + b, 0) * ROWS) / 1e6;
console.log(
  JSON.stringify({
    dist,
    style,
    nulls: withNulls,
    ms: Math.round(ms),
    nsPerCell: +((ms * 1e6) / (ROWS * fields.length)).toFixed(1),
    joinMs: Math.round(ms - formatting),
    perColumn,
    sha1: digest,
  }),
);
