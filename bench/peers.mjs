// Peer benchmark (issue 25): quiver against the tools a Node user would pick instead, as whole processes
// timed the way a user times them: the `quiver` command at 1 and 2 workers; DuckDB (@duckdb/node-api)
// at 1 and 2 threads and Polars (nodejs-polars 0.25.2, POLARS_MAX_THREADS) at 1 and 2 threads, each in
// its own `node` process (bench/peers-run.mjs); and a hand-written single-threaded Node program
// (bench/peers-hand.mjs: readline + JSON.parse for NDJSON, readline + split for CSV, a loop for text).
//
// Hypothesis (issue 25's targets, at the same thread count): Parquet q1–q10 within 1.5× of DuckDB and
// faster than Polars, the Parquet scan within 2× of DuckDB; CSV within 1.2× of DuckDB; word count
// within 1.5× of DuckDB; NDJSON at 2 workers ≥ 3× faster than the hand-written program and within 2×
// of DuckDB; Arrow IPC at 2 workers faster than DuckDB reading Parquet; convert Parquet → CSV / Arrow
// within 2× of DuckDB COPY; peak RSS within 2× of DuckDB's.
//
// Method: db-benchmark G1 data (bench/peers-data.mjs: CSV by Polars, Parquet by DuckDB and by Polars in
// Snappy and zstd, NDJSON by DuckDB, Arrow IPC; 200 MB of text). Each (case, format) is a block: one
// checked warm-up round (it also puts the files in the page cache; `--warmup 0` skips it when they are
// there already), then `--rounds` timed rounds, the
// contenders' order rotated each round, so a burst of load hits all of them alike. Every process runs
// under /usr/bin/time: wall (spawn to exit), CPU (user + sys of the process and its threads) and peak
// RSS. Every contender writes its answer to a file, and every run's answer is checked (bench/peers-check.mjs)
// against DuckDB's before its time is kept.
//
//   node bench/peers.mjs [--rows 10000000] [--text-mb 200] [--rounds 3] [--cases q1,q3,wordcount,scan,convert-csv]
//        [--formats csv,parquet-duckdb-snappy,arrow,ndjson,text] [--contenders quiver2,duckdb2,polars2,hand] [--warmup 0] [--append] [--report]
//
// Results: bench/results/peers.md/.json at 10M rows, peers-<rows>.md/.json at other sizes; `--append`
// keeps the blocks of earlier runs (same file) that this run does not measure again.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, RESULTS_DIR } from './data.mjs';
import { checkFingerprint, openChecker } from './peers-check.mjs';
import { FORMATS, ensurePeersData, kindOf } from './peers-data.mjs';
import { CASES } from './peers-queries.mjs';
import { renderPeers } from './peers-report.mjs';
import { machine, median, progress, writeResults } from './lib.mjs';

const RUNNER = path.join(ROOT, 'bench/peers-run.mjs');
const QUIVER = path.join(ROOT, 'dist/bundle/cli.mjs');

/** Every contender: how its process is started for a case on an input. */
const CONTENDERS = {
  quiver1: { name: 'quiver 1w', cmd: (b) => quiverCmd(b, 1) },
  quiver2: { name: 'quiver 2w', cmd: (b) => quiverCmd(b, 2) },
  // Another build of quiver (its dist/bundle/cli.mjs in QUIVER_BASELINE), for a before/after in one interleaved run.
  quiverbase2: {
    name: 'quiver before 2w',
    cmd: (b) => quiverCmd(b, 2, process.env.QUIVER_BASELINE),
    can: () => !!process.env.QUIVER_BASELINE,
  },
  duckdb1: { name: 'DuckDB 1t', cmd: (b) => peerCmd('duckdb', b, 1), can: duckdbCan },
  duckdb2: { name: 'DuckDB 2t', cmd: (b) => peerCmd('duckdb', b, 2), can: duckdbCan },
  polars1: { name: 'Polars 1t', cmd: (b) => peerCmd('polars', b, 1) },
  polars2: { name: 'Polars 2t', cmd: (b) => peerCmd('polars', b, 2) },
  hand: {
    name: 'hand-written',
    cmd: (b) => peerCmd('hand', b, 1),
    can: (b) => b.kind !== 'parquet' && b.c.kind !== 'scan' && b.c.kind !== 'convert',
  },
};

/** DuckDB neither reads nor writes Arrow IPC files (no such reader or writer in its core; extensions cannot be installed offline). */
function duckdbCan(b) {
  return b.kind !== 'arrow' && !(b.c.kind === 'convert' && b.c.to === 'arrow');
}

function quiverCmd(b, workers, cli = QUIVER) {
  const io = b.c.kind === 'convert' ? [b.input, b.out] : ['-i', b.input, '-o', b.out];
  return { argv: [cli, ...b.c.quiver, ...io, '-w', String(workers), '-q', '--overwrite'] };
}

function peerCmd(tool, b, threads) {
  const env = tool === 'polars' ? { ...process.env, POLARS_MAX_THREADS: String(threads) } : process.env;
  return { argv: [process.execPath, RUNNER, tool, b.name, b.kind, b.input, b.out, String(threads)], env };
}

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const list = (name, all) => {
  const names = flag(name, all.join(',')).split(',');
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) throw new Error(`--${name}: unknown ${unknown.join(', ')}; use ${all.join(', ')}`);
  return names;
};

/** Runs `argv` under /usr/bin/time; resolves with wall ms (spawn to exit), CPU ms (user + sys) and peak RSS in MB. */
function timed({ argv, env }, dir) {
  const timeFile = path.join(dir, 'time.txt');
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', timeFile, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const err = [];
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t;
      if (code !== 0) return reject(new Error(`${argv.join(' ')} exited with ${code}:\n${Buffer.concat(err).toString().slice(-2000)}`));
      const [, user, sys, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
      resolve({ wallMs: Math.round(wallMs), cpuMs: Math.round((user + sys) * 1000), rssMB: Math.round(rssKb / 1024) });
    });
  });
}

/** The blocks (case × format) to run: group-by cases on every format, word count on text, scan and convert on Parquet. */
function blocksOf(caseNames, formatNames, files) {
  const blocks = [];
  for (const name of caseNames) {
    const c = CASES[name];
    const formats = c.kind === 'wordcount' ? ['text'] : formatNames.filter((f) => f !== 'text');
    for (const format of formats) {
      if (!formatNames.includes(format)) continue;
      if ((c.kind === 'scan' || c.kind === 'convert') && kindOf(format) !== 'parquet') continue;
      blocks.push({ name, c, format, kind: format === 'text' ? 'text' : kindOf(format), input: files[format] });
    }
  }
  return blocks;
}

// `--scale small` (npm run bench -- --scale small) is 1M rows and 20 MB of text, as in bench/data.mjs.
const small = flag('scale', process.env.BENCH_SCALE ?? 'full') === 'small';
const rows = Number(flag('rows', small ? 1_000_000 : 10_000_000));
const textMb = Number(flag('text-mb', small ? 20 : 200));
const rounds = Number(flag('rounds', 3));
const warmup = Number(flag('warmup', 1));
const caseNames = list('cases', Object.keys(CASES));
const formatNames = list('formats', [...Object.keys(FORMATS), 'text']);
const contenderKeys = list('contenders', Object.keys(CONTENDERS));
const resultName = rows === 10_000_000 ? 'peers' : `peers-${rows}`;
const jsonFile = path.join(RESULTS_DIR, `${resultName}.json`);

const m = machine();
const files = await ensurePeersData(rows, textMb);
const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-peers-'));
const checker = await openChecker();
// --report: no runs, only the results files written again from their JSON (after the report's code changed).
const reportOnly = process.argv.includes('--report');
const previous =
  (reportOnly || process.argv.includes('--append')) && existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : undefined;
const earlier = previous?.blocks ?? [];
const blocks = [];
const references = new Map();

/** DuckDB's answer to a case (2 threads, from DuckDB's Snappy Parquet, or the text), computed once: every answer is checked against it. */
async function referenceOf(b) {
  if (b.c.kind === 'convert') return checker.fingerprint(b.input, 'parquet');
  if (!references.has(b.name)) {
    const kind = b.c.kind === 'wordcount' ? 'text' : 'parquet';
    const input = b.c.kind === 'wordcount' ? files.text : files['parquet-duckdb-snappy'];
    const out = path.join(dir, `reference-${b.name}.csv`);
    await timed(peerCmd('duckdb', { name: b.name, kind, input, out }, 2), dir);
    references.set(b.name, out);
  }
  return references.get(b.name);
}

async function checkAnswer(label, b, reference, out) {
  if (b.c.kind === 'convert')
    return checkFingerprint(label, reference, await checker.fingerprint(out, b.c.to === 'arrow' ? 'arrow' : 'csv'));
  return checker.sameAnswer(label, b.c, reference, out);
}

/** Saves what has been measured so far (a long run that stops keeps its finished blocks). */
function save() {
  const keep = earlier.filter((e) => !blocks.some((x) => x.case === e.case && x.format === e.format));
  const all = [...keep, ...blocks];
  const json = reportOnly
    ? { ...previous, blocks: all }
    : { machine: m, rows, textMb, rounds, warmup: warmup > 0, files: sizesOf(), blocks: all };
  writeResults(resultName, 'full', renderPeers(resultName, json), json);
}

function sizesOf() {
  return Object.fromEntries(
    Object.entries(files)
      .filter(([k]) => k !== 'dir')
      .map(([k, f]) => [k, { file: path.relative(ROOT, f), MB: Math.round(statSize(f) / 2 ** 20) }]),
  );
}

const statSize = (f) => (existsSync(f) ? statSync(f).size : 0);

try {
  for (const b of reportOnly ? [] : blocksOf(caseNames, formatNames, files)) {
    const contenders = contenderKeys.map((k) => CONTENDERS[k]).filter((c) => !c.can || c.can(b));
    const label = `${b.name} ${b.format}`;
    const loadStart = os.loadavg()[0];
    const reference = await referenceOf(b);
    const runs = new Map(contenders.map((c) => [c.name, []]));
    for (let r = 1 - warmup; r <= rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      for (const c of order) {
        const out = path.join(dir, `out-${c.name.replace(/\W/g, '')}.${b.c.to === 'arrow' ? 'arrow' : 'csv'}`);
        const t = await timed(c.cmd({ ...b, out }), dir);
        await checkAnswer(`${label}, ${c.name}`, b, reference, out);
        rmSync(out, { force: true });
        if (r > 0) runs.get(c.name).push(t);
        progress(
          `peers ${label}: ${c.name} ${r === 0 ? 'warm-up' : `round ${r}/${rounds}`}: ${t.wallMs} ms wall, ${t.cpuMs} ms CPU, ${t.rssMB} MB`,
        );
      }
    }
    const med = (xs, k) => median(xs.map((x) => x[k]));
    blocks.push({
      warmup: warmup > 0,
      case: b.name,
      title: b.c.title,
      format: b.format,
      load: [loadStart, os.loadavg()[0]].map((x) => Math.round(x * 100) / 100),
      date: new Date().toISOString(),
      contenders: contenders.map((c) => {
        const xs = runs.get(c.name);
        return { name: c.name, wallMs: med(xs, 'wallMs'), cpuMs: med(xs, 'cpuMs'), rssMB: med(xs, 'rssMB'), runs: xs };
      }),
    });
    save();
  }
  if (reportOnly) save();
} finally {
  checker.close();
  rmSync(dir, { recursive: true, force: true });
}
