// The job library as a Phoenix-style suite (issue 8): each built-in job on a generated input, timed
// sequentially (runSequential: the same plan in the main thread, no workers) and on 1 and 2 workers.
//
// Hypothesis: on inputs of at least a few seconds of sequential work, string-match, histogram,
// linear-regression, kmeans (per iteration), matrix-multiply and sort reach S(2) = T(1) ÷ T(2) ≥ 1.6 on
// this 2-core machine, and T(1) stays within ~10% of T_seq (a worker thread costs little).
//
// Method: one Engine per worker count, started before timing. For each job the contenders (sequential,
// engine 1w, engine 2w) run interleaved after a checked warm-up round, `--repeat` times; every run's
// result must equal the sequential run's (numbers to 12 significant digits) before its time is kept.
// All contenders get the same split size, so they run the same plan and fold the same tree. kmeans runs
// a fixed number of iterations (tolerance 0) and reports time per iteration from its `kmeans-assign` steps.
//
//   node bench/phoenix.mjs [--repeat 3] [--jobs sort,kmeans] [--scale small]
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Engine, runSequential } from '../dist/src/index.js';
import { CLI, DATA_DIR, scaleName } from './data.mjs';
import { fmtMs, fmtX, header, intFlag, interleaved, machine, mdTable, progress, writeResults, withNodeFlags } from './lib.mjs';

withNodeFlags();

const HYPOTHESIS =
  'On inputs of at least a few seconds of sequential work, string-match, histogram, linear-regression, kmeans (per iteration), ' +
  'matrix-multiply and sort reach S(2) = T(1) ÷ T(2) ≥ 1.6 on 2 cores, and T(1) is within ~10% of T_seq.';
const BAR = new Set(['string-match', 'histogram', 'linear-regression', 'kmeans', 'matrix-multiply', 'sort']);

const scale = scaleName();
const small = scale !== 'full';
const repeat = intFlag('repeat', 3);
const only = (() => {
  const i = process.argv.indexOf('--jobs');
  return i >= 0 ? new Set(process.argv[i + 1].split(',')) : undefined;
})();

/** Generates a dataset once into bench/data/ with quiver's own generator; returns its path. */
function dataset(name, file, flags) {
  const out = path.join(DATA_DIR, file);
  if (!existsSync(out)) {
    mkdirSync(DATA_DIR, { recursive: true });
    progress(`generating ${file}`);
    execFileSync(process.execPath, [CLI, 'datasets', 'generate', name, '-o', out, ...flags], { stdio: 'inherit' });
  }
  return out;
}

/** A CSV copy of an Arrow file, made once with `quiver convert`. */
function csvOf(arrow) {
  const out = arrow.replace(/\.arrow$/, '.csv');
  if (!existsSync(out)) {
    progress(`converting ${path.basename(arrow)} to CSV`);
    execFileSync(process.execPath, [CLI, 'convert', arrow, out, '-q'], { stdio: 'inherit' });
  }
  return out;
}

const k = (n) => (small ? Math.max(1, Math.round(n / 10)) : n);
/** 10M, 500K: a row count as the table shows it. */
const M = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}K`);
const G = () => dataset('groupby', `groupby-${k(10_000_000)}.arrow`, ['--rows', String(k(10_000_000))]);
const TEXT = () => dataset('text', `text-${k(200)}mb.txt`, ['--mb', String(k(200))]);
// The bar is posed on "inputs of at least a few seconds of sequential work": these bar jobs get inputs
// three times the size their neighbours use (10M rows CSV and 200 MB of text take them ~1 s).
const G30 = () => dataset('groupby', `groupby-${k(30_000_000)}.arrow`, ['--rows', String(k(30_000_000))]);
const TEXT600 = () => dataset('text', `text-${k(600)}mb.txt`, ['--mb', String(k(600))]);

/** The suite: job, what it reads, params, and the input size as the table shows it. */
const CASES = [
  { job: 'wordcount', input: () => dataset('text', `text-${k(100)}mb.txt`, ['--mb', String(k(100))]), size: `${k(100)} MB text` },
  { job: 'string-match', input: TEXT600, params: { keys: 'cruaiathje,azel,kb,qu' }, size: `${k(600)} MB text` },
  { job: 'grep', input: TEXT, params: { pattern: 'a[zk]el', ignoreCase: true }, size: `${k(200)} MB text` },
  {
    job: 'histogram',
    input: () => csvOf(G30()),
    params: { column: 'v3', bins: 100, min: '0', max: '100' },
    size: `${M(k(30_000_000))} rows CSV`,
  },
  { job: 'linear-regression', input: () => csvOf(G30()), params: { x: 'v1', y: 'v3' }, size: `${M(k(30_000_000))} rows CSV` },
  {
    job: 'kmeans',
    input: () => dataset('points', `points-${k(10_000_000)}.arrow`, ['--rows', String(k(10_000_000))]),
    params: { k: 8, columns: 'x,y,z', iterations: 5, tolerance: 0 },
    size: `${M(k(10_000_000))} points × 3`,
    perIteration: 'kmeans-assign',
  },
  {
    job: 'pca',
    input: () => dataset('correlated', `correlated-${k(10_000_000)}.arrow`, ['--rows', String(k(10_000_000))]),
    params: { columns: 'f1,f2,f3,f4,f5,f6', components: 3 },
    size: `${M(k(10_000_000))} rows × 6`,
  },
  {
    job: 'matrix-multiply',
    input: () => {
      const a = dataset('matrix', `matrix-${small ? 400 : 1200}.arrow`, ['--rows', String(small ? 400 : 1200)]);
      return [a, a];
    },
    size: `${small ? 400 : 1200}² × ${small ? 400 : 1200}²`,
  },
  {
    job: 'sort',
    input: () => dataset('sort', `sort-${k(5_000_000)}.arrow`, ['--rows', String(k(5_000_000))]),
    params: { by: 'skewed,x:desc' },
    size: `${M(k(5_000_000))} rows, skewed key`,
  },
  {
    job: 'inverted-index',
    input: () => {
      const d = path.join(DATA_DIR, `texts-${k(20)}mb`);
      if (!existsSync(d)) dataset('texts', `texts-${k(20)}mb`, ['--mb', String(k(20))]);
      return d;
    },
    size: `${k(20)} MB in 8 files`,
  },
  { job: 'top-k', input: G, params: { column: 'v3', k: 10 }, size: `${M(k(10_000_000))} rows` },
  {
    job: 'groupby',
    input: G,
    params: { by: 'id1,id2', agg: 'sum:v1,mean:v3,median:v3' },
    size: `${M(k(10_000_000))} rows (q2 + mean, median)`,
  },
  {
    job: 'join',
    input: () => dataset('orders', `orders-${k(10_000_000)}.arrow`, ['--rows', String(k(10_000_000))]),
    params: () => ({
      right: dataset('customers', `customers-${k(1_000_000)}.arrow`, ['--rows', String(k(1_000_000))]),
      on: 'customer_id',
      rightOn: 'id',
      how: 'inner',
    }),
    size: `${M(k(10_000_000))} ⋈ ${M(k(1_000_000))} rows (broadcast)`,
  },
];

/** One column's values in row order, flattened (nested lists and structs too). */
function valuesOf(vector) {
  const out = [];
  const walk = (v) => {
    if (v !== null && typeof v === 'object') {
      const j = typeof v.toJSON === 'function' ? v.toJSON() : v;
      for (const x of Array.isArray(j) ? j : Object.values(j)) walk(x);
    } else out.push(typeof v === 'bigint' ? Number(v) : v);
  };
  for (const v of vector.toArray()) walk(v);
  return out;
}

/**
 * Throws unless two result tables have the same columns holding the same values in the same order
 * (floats to a relative 1e-9: another summation order rounds differently). Compared a column at a
 * time, and the expected result is kept as its Arrow table: a result of millions of rows kept as JS
 * values (as before) made the main thread's heap gigabytes large for the whole case, and its garbage
 * collection then slowed every contender's main-thread work (join: T_seq 19 s instead of 5 s).
 */
function checkSame(label, want, got) {
  const names = (t) => t.schema.fields.map((f) => f.name).join(', ');
  if (names(want) !== names(got)) throw new Error(`${label}: columns ${names(got)}, expected ${names(want)}`);
  if (want.numRows !== got.numRows) throw new Error(`${label}: expected ${want.numRows} rows, got ${got.numRows}`);
  want.schema.fields.forEach((f, k) => {
    const a = valuesOf(want.getChildAt(k));
    const b = valuesOf(got.getChildAt(k));
    if (a.length !== b.length) throw new Error(`${label}: column ${f.name}: expected ${a.length} values, got ${b.length}`);
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      const y = b[i];
      const same =
        x === y ||
        (typeof x === 'number' &&
          typeof y === 'number' &&
          (Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y)) || (Number.isNaN(x) && Number.isNaN(y))));
      if (!same) throw new Error(`${label}: column ${f.name}, value ${i} differs: expected ${JSON.stringify(x)}, got ${JSON.stringify(y)}`);
    }
  });
}

const splitSize = small ? '4MB' : '16MB';
const engines = [1, 2].map((w) => new Engine({ workers: w }));
await Promise.all(engines.map((e) => e.ready()));
const m = machine();
const results = [];
try {
  for (const c of CASES) {
    if (only && !only.has(c.job)) continue;
    const input = c.input();
    const params = typeof c.params === 'function' ? c.params() : (c.params ?? {});
    const options = { input, params, splitSize };
    const perIteration = (report) => {
      const step = report.steps?.find((s) => s.job === c.perIteration);
      return step ? step.wallMs / step.runs : undefined;
    };
    // Checked here against the first result (the sequential warm-up); interleaved then sees one same row.
    let expected;
    const check = (name, table) => {
      if (expected) checkSame(`${c.job}, ${name}`, expected, table);
      else expected = table;
      return [[c.job]];
    };
    const contenders = [
      {
        name: 'sequential',
        run: () => runSequential(c.job, options),
        rows: (r) => check('sequential', r.table),
        extra: (r) => ({ iter: perIteration(r.report) }),
      },
      ...engines.map((e) => ({
        name: `${e.workers}w`,
        run: () => e.run(c.job, options),
        rows: (r) => check(`${e.workers}w`, r.table),
        extra: (r) => ({ iter: perIteration(r.report), coresBusy: Math.round(r.report.coresBusy * 100) / 100 }),
      })),
    ];
    const [seq, one, two] = await interleaved(c.job, contenders, repeat);
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const iters = [seq, one, two].map((r) => (c.perIteration ? med(r.extra.map((x) => x.iter)) : undefined));
    results.push({
      job: c.job,
      size: c.size,
      params,
      tSeq: seq.median,
      t1: one.median,
      t2: two.median,
      iter: c.perIteration ? { tSeq: iters[0], t1: iters[1], t2: iters[2] } : undefined,
      runs: { seq, one, two },
    });
  }
} finally {
  await Promise.all(engines.map((e) => e.close()));
}

const rows = results.map((r) => {
  const s2 = r.iter ? r.iter.t1 / r.iter.t2 : r.t1 / r.t2;
  const t = (x, it) => (r.iter ? `${fmtMs(x)} (${fmtMs(it)}/iter)` : fmtMs(x));
  return [
    r.job,
    r.size,
    t(r.tSeq, r.iter?.tSeq),
    t(r.t1, r.iter?.t1),
    t(r.t2, r.iter?.t2),
    fmtX(s2) + (BAR.has(r.job) ? (s2 >= 1.6 ? ' ✓' : ' ✗ (< 1.6)') : ''),
    fmtX(r.tSeq / r.t2),
    fmtX(r.t1 / r.tSeq),
  ];
});
const loadEnd = os.loadavg();
const md = [
  ...header('The job library: a Phoenix-style suite', HYPOTHESIS, m, loadEnd),
  `Median of ${repeat} interleaved runs after a checked warm-up; files in the page cache; engines already started; split size ${splitSize} for every contender. Times in ms.`,
  "T_seq is the same plan run in the main thread with no workers (`runSequential`); S(2) = T(1) ÷ T(2) (per iteration for kmeans); ✓/✗ marks the jobs with the issue's bar S(2) ≥ 1.6.",
  '',
  ...mdTable(['job', 'input', 'T_seq', 'T(1)', 'T(2)', 'S(2)', 'T_seq ÷ T(2)', 'T(1) ÷ T_seq'], rows),
  '',
  'Params: ' +
    results
      .map(
        (r) =>
          `${r.job} ${Object.entries(r.params)
            .filter(([k]) => k !== 'right')
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
      )
      .join('; ') +
    '.',
];
writeResults('phoenix-suite', scale, md, { machine: m, loadEnd, hypothesis: HYPOTHESIS, splitSize, repeat, results });
console.log(md.join('\n'));
