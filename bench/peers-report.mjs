// The markdown of bench/results/peers*.md from bench/peers.mjs's JSON: times, CPU, peak RSS, the ratios
// and issue 25's targets. Text below the findings marker of the existing file is kept (the hand-written
// profile findings).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RESULTS_DIR } from './data.mjs';
import { FORMATS } from './peers-data.mjs';
import { fmtX, header, mdTable } from './lib.mjs';

const HYPOTHESIS =
  'issue 25’s targets at the same thread count: Parquet q1–q10 ≤ 1.5× DuckDB and faster than Polars, Parquet scan ≤ 2× DuckDB; ' +
  'CSV ≤ 1.2× DuckDB; word count ≤ 1.5× DuckDB; NDJSON 2w ≥ 3× faster than readline + JSON.parse and ≤ 2× DuckDB; ' +
  'Arrow IPC 2w faster than DuckDB from Parquet; convert Parquet → CSV / Arrow ≤ 2× DuckDB COPY; peak RSS ≤ 2× DuckDB.';

const FINDINGS_MARKER = '<!-- findings: text below this line is kept when bench/peers.mjs rewrites this file -->';

const NAMES = ['quiver 1w', 'quiver 2w', 'DuckDB 1t', 'DuckDB 2t', 'Polars 1t', 'Polars 2t', 'hand-written'];

const titleOf = (format) => FORMATS[format]?.title ?? 'text';

/** A contender's medians in a block; for an Arrow block, DuckDB's come from the same case on DuckDB's Snappy Parquet. */
function lookup(blocks, b, name) {
  const own = b.contenders.find((c) => c.name === name);
  if (own || !name.startsWith('DuckDB') || b.format !== 'arrow') return own && { ...own, via: false };
  const pq = blocks.find((x) => x.case === b.case && x.format === 'parquet-duckdb-snappy')?.contenders.find((c) => c.name === name);
  return pq && { ...pq, via: true };
}

/** a's median ÷ z's in a block (undefined when either did not run), and whether z's came from Parquet (†). */
function ratioOf(blocks, b, a, z, key) {
  const x = lookup(blocks, b, a);
  const y = lookup(blocks, b, z);
  return x && y ? { x: x[key] / y[key], via: y.via } : undefined;
}

function ratio(blocks, b, a, z, key) {
  const r = ratioOf(blocks, b, a, z, key);
  return r ? `${fmtX(r.x)}${r.via ? '†' : ''}` : '—';
}

const isParquet = (b) => b.format.startsWith('parquet');

/**
 * Issue 25's targets: which blocks each covers, the ratio it bounds (a ÷ z, or z ÷ a with `inverse`)
 * and the bound; all at 2 workers / 2 threads.
 */
const TARGETS = [
  { what: 'Parquet q1–q10 ≤ 1.5× DuckDB', blocks: (b) => isParquet(b) && b.case.startsWith('q'), z: 'DuckDB 2t', max: 1.5 },
  { what: 'Parquet q1–q10 faster than Polars', blocks: (b) => isParquet(b) && b.case.startsWith('q'), z: 'Polars 2t', max: 1 },
  { what: 'Parquet scan ≤ 2× DuckDB', blocks: (b) => b.case === 'scan', z: 'DuckDB 2t', max: 2 },
  { what: 'CSV q1–q10 ≤ 1.2× DuckDB read_csv', blocks: (b) => b.format === 'csv', z: 'DuckDB 2t', max: 1.2 },
  { what: 'word count ≤ 1.5× DuckDB', blocks: (b) => b.case === 'wordcount', z: 'DuckDB 2t', max: 1.5 },
  { what: 'NDJSON 2w ≥ 3× faster than readline + JSON.parse', blocks: (b) => b.format === 'ndjson', z: 'hand-written', max: 1 / 3 },
  { what: 'NDJSON ≤ 2× DuckDB read_json', blocks: (b) => b.format === 'ndjson', z: 'DuckDB 2t', max: 2 },
  { what: 'Arrow IPC 2w faster than DuckDB from Parquet', blocks: (b) => b.format === 'arrow', z: 'DuckDB 2t', max: 1 },
  { what: 'convert Parquet → CSV ≤ 2× DuckDB COPY', blocks: (b) => b.case === 'convert-csv', z: 'DuckDB 2t', max: 2 },
  {
    what: 'convert Parquet → Arrow ≤ 2× Polars sinkIpc (DuckDB cannot write Arrow IPC)',
    blocks: (b) => b.case === 'convert-arrow',
    z: 'Polars 2t',
    max: 2,
  },
  { what: 'peak RSS ≤ 2× DuckDB', blocks: () => true, z: 'DuckDB 2t', max: 2, key: 'rssMB' },
];

/** The targets table: for each, the worst ratio by wall and by CPU (or RSS) over the blocks measured. */
function targetRows(blocks) {
  return TARGETS.map((t) => {
    const worst = (key) => {
      let w;
      for (const b of blocks.filter(t.blocks)) {
        const r = ratioOf(blocks, b, 'quiver 2w', t.z, key);
        if (r && (!w || r.x > w.x)) w = { ...r, where: `${b.case} ${titleOf(b.format)}` };
      }
      return w;
    };
    const cell = (w) => (w ? `${fmtX(w.x)} (${w.where})` : '—');
    const met = (w) => (w ? (w.x <= t.max ? 'met' : 'not met') : 'not measured');
    if (t.key) {
      const w = worst(t.key);
      return [t.what, `≤ ${fmtX(t.max)}`, '—', cell(w), met(w)];
    }
    const wall = worst('wallMs');
    const cpu = worst('cpuMs');
    const verdict = cpu ? `${met(cpu)} by CPU, ${met(wall)} by wall` : 'not measured';
    return [t.what, `≤ ${fmtX(t.max)}`, cell(wall), cell(cpu), verdict];
  });
}

/** The markdown lines of a peers result. */
export function renderPeers(name, json) {
  const { machine: m, blocks } = json;
  const loads = blocks.flatMap((b) => b.load);
  const lines = header(
    `Peers: quiver vs DuckDB vs Polars vs a hand-written Node program (${json.rows.toLocaleString('en')} rows)`,
    HYPOTHESIS,
    m,
  );
  lines.push(
    `**Load.** The 1-minute load average ran from ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} during the blocks (each block's start → end is in the tables) on 2 cores. ` +
      'At a load above 2, every process waits for a core, so **wall times and wall ratios here are not publishable**; CPU time (user + sys of the whole process) is less disturbed, ' +
      'but a busy machine still slows every contender through shared caches and memory bandwidth. Rerun on a quiet machine: `node bench/peers.mjs --cases q1,q3 --formats csv,parquet-duckdb-snappy`.',
    '',
    `Data: db-benchmark G1, ${json.rows.toLocaleString('en')} rows (bench/peers-data.mjs), and ${json.textMb} MB of text. Files: ` +
      Object.entries(json.files)
        .map(([k, f]) => `${k} ${f.MB} MB`)
        .join(', ') +
      '.',
    '',
    `Each block (case × format): ${json.warmup ? 'one checked, untimed warm-up round' : 'no warm-up round (the files were in the page cache since they were made)'}, then ${json.rounds} timed rounds with the contenders' order rotated; medians. Every run's answer was checked equal to DuckDB's ` +
      '(sorted by key, floats within a relative 1e-9; a conversion by row count, column sums and string lengths). Whole processes, from spawn to exit, under /usr/bin/time.',
    '',
  );
  const table = (key, unit) =>
    mdTable(
      ['case', 'format', 'load', ...NAMES],
      blocks.map((b) => [
        b.title,
        titleOf(b.format),
        b.load.map((x) => x.toFixed(1)).join('→'),
        ...NAMES.map((n) => {
          const c = b.contenders.find((x) => x.name === n);
          return c ? `${c[key]}` : '—';
        }),
      ]),
    ).concat(['', `(${unit})`, '']);
  lines.push(
    '## Targets (issue 25), quiver 2 workers against the peer at 2 threads: the worst ratio over the cases measured',
    '',
    ...mdTable(['target', 'bound (quiver ÷ peer)', 'worst wall ratio', 'worst CPU ratio (RSS for RSS)', 'verdict'], targetRows(blocks)),
    '',
    'CPU is the verdict to read on a loaded machine; a target is judged only on the cases this run measured.',
    '',
  );
  lines.push('## Ratios (quiver ÷ peer at the same thread count; above 1 means quiver is slower)', '');
  lines.push(
    ...mdTable(
      [
        'case',
        'format',
        '2w ÷ DuckDB 2t wall',
        '2w ÷ DuckDB 2t CPU',
        '1w ÷ DuckDB 1t wall',
        '1w ÷ DuckDB 1t CPU',
        '2w ÷ Polars 2t wall',
        '2w ÷ Polars 2t CPU',
        '1w ÷ Polars 1t CPU',
        '2w ÷ hand wall',
        'RSS 2w ÷ DuckDB 2t',
      ],
      blocks.map((b) => [
        b.title,
        titleOf(b.format),
        ratio(blocks, b, 'quiver 2w', 'DuckDB 2t', 'wallMs'),
        ratio(blocks, b, 'quiver 2w', 'DuckDB 2t', 'cpuMs'),
        ratio(blocks, b, 'quiver 1w', 'DuckDB 1t', 'wallMs'),
        ratio(blocks, b, 'quiver 1w', 'DuckDB 1t', 'cpuMs'),
        ratio(blocks, b, 'quiver 2w', 'Polars 2t', 'wallMs'),
        ratio(blocks, b, 'quiver 2w', 'Polars 2t', 'cpuMs'),
        ratio(blocks, b, 'quiver 1w', 'Polars 1t', 'cpuMs'),
        ratio(blocks, b, 'quiver 2w', 'hand-written', 'wallMs'),
        ratio(blocks, b, 'quiver 2w', 'DuckDB 2t', 'rssMB'),
      ]),
    ),
    '',
    '† DuckDB cannot read Arrow IPC (no reader in its core; the `arrow` extension cannot be installed offline): an Arrow row is divided by DuckDB reading the same table from its own Snappy Parquet, as issue 25’s Arrow target says.',
    '',
    '## Wall time, ms',
    '',
    ...table('wallMs', 'median wall ms, spawn to exit'),
    '## CPU time, ms',
    '',
    ...table('cpuMs', 'median user + sys ms of the whole process, all threads'),
    '## Peak RSS, MB',
    '',
    ...table('rssMB', 'median of /usr/bin/time %M'),
    '## How each contender runs',
    '',
    '- quiver: the `quiver` command (dist/bundle/cli.mjs through its shebang), `run groupby -p by=… -p agg=…` (q1–q10), `run wordcount`, `run bench/jobs/scan.ts`, `convert in.parquet out.csv|out.arrow`; `-w 1|2 -q -o out.csv --overwrite`.',
    '- DuckDB: `node bench/peers-run.mjs duckdb …`: an instance with `threads` 1 or 2, `COPY (<db-benchmark SQL over read_csv / read_parquet / read_ndjson>) TO out.csv`.',
    '- Polars: `POLARS_MAX_THREADS=1|2 node bench/peers-run.mjs polars …`: `scanCSV / scanParquet / scanIPC / scanJson`, the lazy query, `collectSync().writeCSV(out)`; conversions `sinkCSV` / `sinkIpc`.',
    '- hand-written: bench/peers-hand.mjs, one thread: readline + JSON.parse (NDJSON), readline + split(",") (CSV), apache-arrow + a loop (Arrow), bench/baselines/wordcount.mjs (text); a Map of accumulators. No Parquet (no decoder without a library).',
    '- q8 is db-benchmark’s (two rows per group, a window function in SQL); quiver’s `top:2:v3` gives top1/top2 columns in one row per group, which the checker compares rank by rank. Word count splits on single spaces in DuckDB and Polars (`string_split`, `str.split`), on /\\s+/ in quiver and the hand-written program: the same words on this text.',
    '- scan: every contender decodes all 9 columns (DuckDB and Polars aggregate each one; quiver’s scan job reads every column) and sums v1 and v3.',
    '',
  );
  return [...lines, ...findings(name)];
}

function findings(name) {
  const file = path.join(RESULTS_DIR, `${name}.md`);
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(FINDINGS_MARKER);
  return at >= 0 ? old.slice(at).trimEnd().split('\n') : [FINDINGS_MARKER, '', '## Where the time goes', '', '(none written yet)'];
}
