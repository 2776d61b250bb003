// Peer benchmark (issue 6): group-by Q1–Q3 in quiver, DuckDB and arquero, beside the hand-written loop.
//
// Hypothesis: DuckDB (vectorized C++ over a columnar file, reading only the columns a query uses) is
// several times faster than quiver at the same thread count, and quiver's 2-worker ÷ 1-worker gain is
// of the same order as DuckDB's threads=2 ÷ threads=1 gain; arquero (single-threaded JS over Arrow
// columns) is about as fast as the hand-written loop, so quiver at 2 workers beats it.
//
// DuckDB: @duckdb/node-api cannot read Arrow IPC files (its core has no Arrow IPC reader, extensions
// such as `arrow`/`nanoarrow` cannot be downloaded here, and the node API does not expose Arrow scans),
// so a Parquet copy of the same data is made once, by DuckDB itself from a CSV dump of the Arrow file,
// and every DuckDB query reads that Parquet file (reading is inside the timing, as for everyone else).
// arquero: `aq.fromArrow(readFileSync(file), { columns })` then `groupby(...).rollup(...)`.
// Every contender's answer is checked equal to the baseline's in every run before its time is kept.
//
//   node bench/peers.mjs [--scale small] [--repeat 3] [--workers 1,2] [--cases q1,q2,q3]
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import * as aq from 'arquero';
import { Engine } from '../dist/src/index.js';
import { selectedCases } from './cases.mjs';
import { ROOT, ensureData, scaleName } from './data.mjs';
import { readArrow } from './baselines/common.mjs';
import {
  engineContender,
  fmtMs,
  fmtX,
  header,
  interleaved,
  intFlag,
  machine,
  mdTable,
  progress,
  rowsOfMap,
  timeOnce,
  workerCounts,
  writeResults,
  withNodeFlags,
} from './lib.mjs';

withNodeFlags();

const HYPOTHESIS =
  'DuckDB is several times faster than quiver at the same thread count, with a similar 2-thread gain; ' +
  'arquero is about as fast as the hand-written loop, so quiver at 2 workers beats it.';

/** Each query in SQL and in arquero, producing the columns of the baseline in the same order. */
const QUERIES = {
  q1: {
    sql: (f) => `SELECT id1, sum(v1) FROM read_parquet('${f}') GROUP BY id1`,
    arquero: (dt) => dt.groupby('id1').rollup({ sum_v1: aq.op.sum('v1') }),
    columns: ['id1', 'v1'],
  },
  q2: {
    sql: (f) => `SELECT id6, sum(v3), count(*) FROM read_parquet('${f}') GROUP BY id6`,
    arquero: (dt) => dt.groupby('id6').rollup({ sum_v3: aq.op.sum('v3'), count: aq.op.count() }),
    columns: ['id6', 'v3'],
  },
  q3: {
    sql: (f) => `SELECT id3, sum(v1), avg(v3) FROM read_parquet('${f}') GROUP BY id3`,
    arquero: (dt) => dt.groupby('id3').rollup({ sum_v1: aq.op.sum('v1'), mean_v3: aq.op.mean('v3') }),
    columns: ['id3', 'v1', 'v3'],
  },
};

/** Writes a Parquet copy of the Arrow file once: a CSV dump in JS, turned into Parquet by DuckDB. */
async function ensureParquet(arrowFile) {
  const parquet = arrowFile.replace(/\.arrow$/, '.parquet');
  if (existsSync(parquet)) return parquet;
  const t = performance.now();
  const csv = `${arrowFile}.tmp-${process.pid}.csv`;
  const table = readArrow(arrowFile);
  const names = table.schema.fields.map((f) => f.name);
  const out = createWriteStream(csv);
  out.write(names.join(',') + '\n');
  for (const batch of table.batches) {
    const cols = names.map((n) => batch.getChild(n).toArray());
    let text = '';
    for (let i = 0; i < batch.numRows; i++) text += cols.map((c) => c[i]).join(',') + '\n';
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const types = table.schema.fields
    .map((f) => `'${f.name}': '${/Utf8/.test(String(f.type)) ? 'VARCHAR' : /Float/.test(String(f.type)) ? 'DOUBLE' : 'INTEGER'}'`)
    .join(', ');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const tmp = `${parquet}.tmp-${process.pid}`;
  await con.run(`COPY (SELECT * FROM read_csv('${csv}', header = true, columns = {${types}})) TO '${tmp}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();
  rmSync(csv);
  renameSync(tmp, parquet);
  progress(`peers: wrote ${path.relative(ROOT, parquet)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return parquet;
}

/** A DuckDB contender with its own instance of `threads` threads. */
async function duckdbContender(threads, sql) {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  return {
    name: `DuckDB threads=${threads}`,
    run: async () => (await con.runAndReadAll(sql)).getRowsJS(),
    rows: (rows) => rows.map((r) => r.map((x) => (typeof x === 'bigint' ? Number(x) : x))),
    close: () => {
      con.closeSync();
      db.closeSync();
    },
  };
}

function arqueroContender(file, q) {
  return {
    name: 'arquero',
    run: () => q.arquero(aq.fromArrow(readFileSync(file), { columns: q.columns })),
    rows: (dt) => {
      const cols = dt.columnNames().map((n) => dt.array(n));
      return Array.from({ length: dt.numRows() }, (_, i) => cols.map((c) => c[i]));
    },
  };
}

const scale = scaleName();
const files = await ensureData(scale);
const repeat = intFlag('repeat', scale === 'small' ? 5 : 3);
const counts = [...new Set([1, Math.max(...workerCounts())])];
const threads = counts;
const cases = selectedCases().filter((c) => c.name in QUERIES);
const m = machine();
const parquet = await ensureParquet(files.groupby);
progress(`peers: scale ${scale}, quiver workers ${counts.join(',')}, DuckDB threads ${threads.join(',')}, ${repeat} repeats`);

const engines = counts.map((w) => new Engine({ workers: w }));
await Promise.all(engines.map((e) => e.ready()));
const results = [];
try {
  for (const c of cases) {
    const q = QUERIES[c.name];
    const ducks = await Promise.all(threads.map((t) => duckdbContender(t, q.sql(parquet))));
    progress(`peers ${c.name}: baseline (the answer every contender is checked against)`);
    const [baselineMs, answer] = await timeOnce(() => c.baseline(files.groupby));
    const contenders = [...engines.map((e) => engineContender(e, c, files.groupby)), ...ducks, arqueroContender(files.groupby, q)];
    try {
      const r = await interleaved(`peers ${c.name}`, contenders, repeat, { expected: rowsOfMap(answer) });
      results.push({
        case: c.name,
        title: c.title,
        sql: q.sql(path.relative(ROOT, parquet)),
        baselineOnceMs: Math.round(baselineMs),
        contenders: r.map(({ extra, ...x }) => x),
      });
    } finally {
      for (const d of ducks) d.close();
    }
  }
} finally {
  await Promise.all(engines.map((e) => e.close()));
}

const loadEnd = os.loadavg();
const med = (r, name) => r.contenders.find((x) => x.name === name).median;
const names = results[0]?.contenders.map((x) => x.name) ?? [];
const maxW = Math.max(...counts);
const lines = header('Peers: quiver vs DuckDB vs arquero on group-by', HYPOTHESIS, m, loadEnd);
lines.push(
  `Scale \`${scale}\` (\`${path.relative(ROOT, files.groupby)}\`, DuckDB reads \`${path.relative(ROOT, parquet)}\`); median of ${repeat} runs after a checked warm-up, contenders interleaved round-robin; every run’s answer checked equal to the hand-written baseline’s, which ran once, untimed for ratios (core.md has the baseline ratios). Times in ms.`,
  '',
  ...mdTable(
    ['case', ...names, 'baseline (one run)'],
    results.map((r) => [r.title, ...r.contenders.map((x) => fmtMs(x.median)), fmtMs(r.baselineOnceMs)]),
  ),
  '',
  '## Ratios (time ÷ time; above 1 means the first is slower)',
  '',
  ...mdTable(
    [
      'case',
      ...counts.map((w) => `quiver ${w}w ÷ DuckDB threads=${w}`),
      `quiver ${maxW}w ÷ arquero`,
      `DuckDB ${threads[0]}→${maxW} threads speedup`,
      `quiver 1→${maxW}w speedup`,
    ],
    results.map((r) => [
      r.title,
      ...counts.map((w) => fmtX(med(r, `engine ${w}w`) / med(r, `DuckDB threads=${w}`))),
      fmtX(med(r, `engine ${maxW}w`) / med(r, 'arquero')),
      fmtX(med(r, `DuckDB threads=${threads[0]}`) / med(r, `DuckDB threads=${maxW}`)),
      fmtX(med(r, 'engine 1w') / med(r, `engine ${maxW}w`)),
    ]),
  ),
  '',
  '## Notes',
  '',
  '- DuckDB reads a Parquet copy, not the Arrow IPC file: @duckdb/node-api cannot read Arrow IPC (no reader in DuckDB core; the `arrow`/`nanoarrow` extensions cannot be installed offline; the node API exposes no Arrow scan). ' +
    'The copy was written once by DuckDB itself (`COPY (SELECT * FROM read_csv(<CSV dump of the Arrow file>)) TO … (FORMAT parquet)`, default Snappy compression and row groups). ' +
    'Parquet lets DuckDB read only the columns a query uses, and it is compressed, so DuckDB reads fewer bytes than quiver, the baseline and arquero, which read the Arrow file.',
  '- DuckDB’s time includes turning the result into JS rows (`runAndReadAll(sql).getRowsJS()`); quiver’s includes bundling the job, planning, sorting by key and building an Arrow table.',
  '- arquero reads the Arrow file with `fromArrow(readFileSync(file), { columns })` (only the query’s columns) and runs `groupby().rollup()`; its time includes reading the file.',
  '',
  'SQL:',
  '',
  ...results.map((r) => `    ${r.sql}`),
  '',
);
writeResults('peers', scale, lines, {
  hypothesis: HYPOTHESIS,
  machine: m,
  loadavgEnd: loadEnd,
  scale,
  repeat,
  parquet: path.relative(ROOT, parquet),
  results,
});
