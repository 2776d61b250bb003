// CSV tokenizer micro-benchmark: quiver's hand-written decoder against udsv and papaparse.
//
// Hypothesis: a byte-level tokenizer that parses numbers straight from the bytes into typed arrays,
// dictionary-encodes low-cardinality text as it reads, and only skips the columns a job does not use
// beats general JS CSV parsers, which build a JS string per field (and an array per row) before
// anything can be typed. If udsv or papaparse (plus building typed columns from its output) wins,
// quiver should use it instead; the issue asks for that check.
//
// All parsers get the same in-memory CSV (db-benchmark G1 rows) and must produce the same column
// sums, checked inside the timed body. Single thread, in-process, timed by process CPU time (the
// machine is shared, so wall time is noisier); read the ratios, not the absolute times.
//
//   node bench/io-tokenizer.mjs [--rows 1000000]
import { performance } from 'node:perf_hooks';
import { ROOT } from './data.mjs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const rows = arg('--rows', 1_000_000);
const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist/src', p)).href);
const { groupbyBatches } = await dist('datasets/groupby.js');
const { CsvDecoder } = await dist('io/csv-decode.js');
const { BadRecords } = await dist('io/bad-records.js');
const Papa = (await import('papaparse')).default;
const { initParser, inferSchema } = await import('udsv');

// The CSV, built once.
const parts = ['id1,id2,id3,id4,id5,id6,v1,v2,v3\n'];
for (const b of groupbyBatches(rows, 1)) {
  const c = b.schema.fields.map((f) => b.getChild(f.name).toArray());
  let s = '';
  for (let i = 0; i < b.numRows; i++)
    s += `${c[0][i]},${c[1][i]},${c[2][i]},${c[3][i]},${c[4][i]},${c[5][i]},${c[6][i]},${c[7][i]},${c[8][i]}\n`;
  parts.push(s);
}
const text = parts.join('');
const buf = Buffer.from(text);
const header = text.indexOf('\n') + 1;
const columns = [
  { name: 'id1', type: 'dict' },
  { name: 'id2', type: 'dict' },
  { name: 'id3', type: 'utf8' },
  { name: 'id4', type: 'int32' },
  { name: 'id5', type: 'int32' },
  { name: 'id6', type: 'int32' },
  { name: 'v1', type: 'int32' },
  { name: 'v2', type: 'int32' },
  { name: 'v3', type: 'float64' },
];
const dialect = { delimiter: ',', quote: '"', header: true, nullValues: [''], maxRecordBytes: 1 << 20 };

function sums(getV1, getV3, n) {
  let a = 0,
    b = 0;
  for (let i = 0; i < n; i++) {
    a += getV1(i);
    b += getV3(i);
  }
  return [a, Math.round(b)];
}

function quiver(projection) {
  const d = new CsvDecoder(dialect, columns, 65536, projection, new BadRecords(), () => {
    throw new Error('bad');
  });
  d.decode(buf, header, buf.length, true);
  let a = 0,
    b = 0;
  for (const batch of d.finish()) {
    const v1 = batch.getChild('v1').data[0].values,
      v3 = batch.getChild('v3').data[0].values;
    for (let i = 0; i < batch.numRows; i++) {
      a += v1[i];
      b += v3[i];
    }
  }
  return [a, Math.round(b)];
}

function papaparse() {
  const res = Papa.parse(text, { header: false, skipEmptyLines: true });
  const data = res.data;
  const n = data.length - 1;
  const v1 = new Int32Array(n),
    v3 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    v1[i] = Number(data[i + 1][6]);
    v3[i] = Number(data[i + 1][8]);
  }
  return sums(
    (i) => v1[i],
    (i) => v3[i],
    n,
  );
}

function udsv() {
  const schema = inferSchema(text);
  const parser = initParser(schema);
  const cols = parser.typedCols(text);
  return sums(
    (i) => cols[6][i],
    (i) => cols[8][i],
    cols[6].length,
  );
}

const cases = {
  'quiver (all 9 columns)': () => quiver(undefined),
  'quiver (v1, v3 only)': () => quiver(['v1', 'v3']),
  'udsv typedCols': udsv,
  'papaparse + typed arrays': papaparse,
};
const expected = quiver(undefined);
const results = [];
for (const [name, fn] of Object.entries(cases)) {
  const times = [];
  for (let r = 0; r < 3; r++) {
    // CPU time of this (single-threaded) process: steadier than wall time on a shared machine.
    const t = process.cpuUsage();
    const got = fn();
    const u = process.cpuUsage(t);
    times.push((u.user + u.system) / 1000);
    if (got[0] !== expected[0] || got[1] !== expected[1]) throw new Error(`${name} computed ${got}, expected ${expected}`);
  }
  const best = Math.min(...times);
  results.push({ name, ms: best, mbs: buf.length / 1048576 / (best / 1000) });
  console.log(
    `${name.padEnd(28)} ${best.toFixed(0).padStart(6)} ms  ${(buf.length / 1048576 / (best / 1000)).toFixed(0).padStart(5)} MB/s`,
  );
}
const base = results.find((r) => r.name.startsWith('papaparse')).ms;
for (const r of results) console.log(`${r.name.padEnd(28)} ${(base / r.ms).toFixed(2)}× papaparse`);
