// What refusing repeated NDJSON keys costs the decoder (issue 26: a record that repeats a key is a bad
// record, in the byte path and the JSON.parse path alike).
//
// Hypothesis: the byte path already stamps every key that is a column or a skipped column, so only keys
// outside the table (a `--schema` or projection narrower than the file) pay a new check, a hash bucket
// per key: reading the G1 lines costs the same CPU within noise whatever the columns. The JSON.parse
// path (lines the byte path leaves: lists, misfits, and the reference the tests compare with) adds one
// byte scan of the line after JSON.parse: a few tens of percent of that path, which valid G1 lines never take.
//
// Method: one thread decodes the first `--lines` lines of the 10M-row G1 NDJSON (bench/data, made by
// bench/peers-data.mjs) with NdjsonDecoder from two builds, `--before DIR` (a tree whose dist/ predates
// the change) and this tree, rounds interleaved, CPU time by process.cpuUsage, the first round a
// warm-up. Cases: all 9 columns inferred; a projection of id1,v1 (7 skipped columns in the table); the
// columns given as id1,v1 only (7 keys outside the table each line); and the JSON.parse path on all columns.
//
//   node bench/ndjson-repeated-keys.mjs --before .tmp/base-dist/.. [--lines 1000000] [--rounds 5]
import { closeSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, ROOT } from './data.mjs';
import { intFlag, median } from './lib.mjs';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const lines = intFlag('lines', 1_000_000);
const rounds = intFlag('rounds', 5) + 1;
const before = flag('before');
if (!before) throw new Error('--before DIR: a tree whose dist/ was built before the change');

const file = path.join(DATA_DIR, 'peers-10000000', 'g1.ndjson');
const text = headLines(file, lines);

const COLUMNS = [
  ['id1', 'dict'],
  ['id2', 'dict'],
  ['id3', 'utf8'],
  ['id4', 'int32'],
  ['id5', 'int32'],
  ['id6', 'int32'],
  ['v1', 'int32'],
  ['v2', 'int32'],
  ['v3', 'float64'],
].map(([name, type]) => ({ name, type }));
const CASES = {
  'all columns, byte path': { columns: COLUMNS, projection: undefined, path: 'bytes' },
  'id1,v1 projected, byte path': { columns: COLUMNS, projection: ['id1', 'v1'], path: 'bytes' },
  'id1,v1 given (7 keys outside), byte path': { columns: COLUMNS.filter((c) => ['id1', 'v1'].includes(c.name)), path: 'bytes' },
  'all columns, JSON.parse path': { columns: COLUMNS, projection: undefined, path: 'json-parse' },
};

const builds = {
  before: await import(path.join(path.resolve(before), 'dist/src/io/ndjson-decode.js')),
  after: await import(path.join(ROOT, 'dist/src/io/ndjson-decode.js')),
};
const { BadRecords } = await import(path.join(ROOT, 'dist/src/io/bad-records.js'));

const cpu = {};
for (let round = 0; round < rounds; round++)
  for (const [name, c] of Object.entries(CASES))
    for (const which of round % 2 ? ['after', 'before'] : ['before', 'after']) {
      const t0 = process.cpuUsage();
      const d = new builds[which].NdjsonDecoder(c.columns, 65536, c.projection, new BadRecords(), () => ({}), c.path);
      d.decode(text, 0, text.length, true);
      const rows = d.finish().reduce((n, b) => n + b.numRows, 0);
      const t = process.cpuUsage(t0);
      if (rows !== lines) throw new Error(`${which} ${name}: ${rows} rows, not ${lines}`);
      if (round > 0) (cpu[`${name}|${which}`] ??= []).push((t.user + t.system) / 1e6);
    }

console.log(
  `${lines.toLocaleString('en')} G1 lines (${(text.length / 1e6).toFixed(0)} MB), one thread, load ${os.loadavg()[0].toFixed(1)}`,
);
console.log('| case | before CPU s | after CPU s | after ÷ before |\n| --- | ---: | ---: | ---: |');
for (const name of Object.keys(CASES)) {
  const [b, a] = [median(cpu[`${name}|before`]), median(cpu[`${name}|after`])];
  console.log(`| ${name} | ${b.toFixed(3)} | ${a.toFixed(3)} | ${(a / b).toFixed(3)} |`);
}

function headLines(file, n) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(Math.ceil(n * 120));
  const got = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  let end = -1;
  for (let i = 0; i < n; i++) end = buf.indexOf(10, end + 1);
  if (end < 0 || end >= got) throw new Error(`fewer than ${n} lines in ${file}'s first ${got} bytes`);
  return buf.subarray(0, end + 1);
}
