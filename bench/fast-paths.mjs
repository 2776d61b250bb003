// Fast paths for string keys (issue 25): word count over text and db-benchmark q3 (100K string keys)
// from CSV, quiver against DuckDB, whole processes as a user times them.
//
// Hypothesis: both cases spend most of their worker CPU turning bytes into JS strings and hashing
// them in a Map (the combiner's `add` for word count, groupby's `assign` for q3); hashing the bytes
// of words and keys in an open-addressing table, and making a string once per distinct key, brings
// quiver's CPU time within 1.5× (word count) and 1.2× (q3) of DuckDB's at the same thread count.
//
// Method: every contender is a child process timed by /usr/bin/time (wall, user + sys CPU, peak RSS):
// quiver's CLI at `--workers N` built from this tree, the same for an older build (`--before DIR`, a
// copy of a previous tree with its dist/ built, to measure before against after in one run), and
// DuckDB (@duckdb/node-api, `threads` N) running the same query. Rounds are interleaved (the order
// rotates each round); the first round is a warm-up and is not counted. Every run's answer is checked
// against DuckDB's. CPU time is the trustworthy number on a loaded machine; the load is recorded.
//
//   node bench/fast-paths.mjs [--rounds 5] [--workers 2] [--cases wordcount,q3] [--before /tmp/old]
//                             [--text file.txt] [--csv g1.csv]
// Missing inputs are generated: 200 MB of text and the 10M-row G1 table as CSV, in bench/data/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, ROOT } from './data.mjs';
import { fmtX, header, intFlag, machine, mdTable, median, progress, rowsOfCsv, writeResults } from './lib.mjs';

const HYPOTHESIS =
  'Word count and q3 spend most worker CPU making JS strings and hashing them in a Map; hashing the bytes in an ' +
  'open-addressing table, with a string once per distinct key, brings quiver within 1.5× (word count) ' +
  'and 1.2× (q3) of DuckDB’s CPU time.';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = intFlag('rounds', 5) + 1;
const workers = intFlag('workers', 2);
const before = flag('before');
const wanted = flag('cases', 'wordcount,q3').split(',');
const cli = (root) => path.join(root, 'dist/bundle/cli.mjs');

/** Generates an input with the CLI of this tree unless it exists. */
function ensure(file, args) {
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  progress(`fast-paths: writing ${file}`);
  execFileSync(process.execPath, [cli(ROOT), ...args], { stdio: 'inherit' });
  return file;
}

function inputs() {
  const text = flag('text') ?? ensure(path.join(DATA_DIR, 'text-200mb.txt'), ['datasets', 'generate', 'text', '--mb', '200', '-o']);
  let csv = flag('csv');
  if (!csv) {
    const arrow = ensure(path.join(DATA_DIR, 'g1-10m.arrow'), [
      'datasets',
      'generate',
      'groupby',
      '--rows',
      '10000000',
      '-o',
      path.join(DATA_DIR, 'g1-10m.arrow'),
    ]);
    csv = ensure(path.join(DATA_DIR, 'g1-10m.csv'), ['convert', arrow, path.join(DATA_DIR, 'g1-10m.csv'), '-w', String(workers)]);
  }
  return { text, csv };
}

const TEXT_SQL = (f) =>
  `read_csv('${f}', header = false, auto_detect = false, columns = {'line': 'VARCHAR'}, delim = '\x01', quote = '', escape = '')`;

/** The cases: quiver's CLI arguments, DuckDB's query (same answer, key first), and how answers compare. */
const CASES = {
  wordcount: (f) => ({
    title: 'word count, 200 MB text',
    file: f.text,
    quiver: ['run', 'wordcount', '-i', f.text],
    // The generated text has single spaces between words (src/datasets/text.ts), as \s+ splits it.
    sql:
      `SELECT word, count(*) AS count FROM (SELECT unnest(string_split(line, ' ')) AS word FROM ${TEXT_SQL(f.text)}) ` +
      "WHERE word <> '' GROUP BY word",
  }),
  q3: (f) => ({
    title: 'q3 sum v1, mean v3 by id3 (100K string keys), CSV',
    file: f.csv,
    quiver: ['run', 'groupby', '-i', f.csv, '-p', 'by=id3', '-p', 'agg=sum:v1,mean:v3'],
    sql: `SELECT id3, sum(v1) AS sum_v1, avg(v3) AS mean_v3 FROM read_csv('${f.csv}') GROUP BY id3`,
  }),
};

const DUCKDB_CHILD = `
import { DuckDBInstance } from '@duckdb/node-api';
const [sql, threads, out] = process.argv.slice(1);
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
await con.run("COPY (" + sql + ") TO '" + out + "' (FORMAT csv, HEADER true)");
`;

/** Runs `node args` under /usr/bin/time: wall and CPU seconds, peak RSS in MB. */
function timed(args, dir) {
  const stats = path.join(dir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', process.execPath, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stderr}`);
  const [wall, user, sys, kb] = readFileSync(stats, 'utf8').trim().split('\n').at(-1).split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: kb / 1024 };
}

/** Answer rows keyed by their first column. */
function answerOf(file) {
  const { rows } = rowsOfCsv(readFileSync(file, 'utf8'));
  return new Map(rows.map(([k, ...v]) => [String(k), v.map(Number)]));
}

/** Equal within a relative 1e-9: means summed in another order differ in their last bits. */
const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function checkSame(label, expected, actual) {
  if (expected.size !== actual.size) throw new Error(`${label}: ${actual.size} rows, DuckDB has ${expected.size}`);
  for (const [k, v] of expected) {
    const w = actual.get(k);
    if (!w || w.some((x, i) => !close(x, v[i])))
      throw new Error(`${label}: key ${k} is ${JSON.stringify(w)}, DuckDB says ${JSON.stringify(v)}`);
  }
}

/** Text after this marker in fast-paths.md is kept when the file is rewritten (the profiles and the before/after table). */
const NOTES_MARKER = '<!-- notes: text below this line is kept when bench/fast-paths.mjs rewrites this file -->';

function keptNotes() {
  const file = path.join(ROOT, 'bench/results/fast-paths.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(NOTES_MARKER);
  return at >= 0 ? old.slice(at).trimEnd().split('\n') : [NOTES_MARKER];
}

const files = inputs();
const m = machine();
const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-fast-paths-'));
const results = [];
try {
  for (const name of wanted) {
    const c = CASES[name](files);
    const contenders = [
      { name: `quiver ${workers} workers`, args: (out) => [cli(ROOT), ...c.quiver, '-w', String(workers), '-o', out] },
      ...(before
        ? [{ name: `quiver before, ${workers} workers`, args: (out) => [cli(before), ...c.quiver, '-w', String(workers), '-o', out] }]
        : []),
      { name: `DuckDB ${workers} threads`, args: (out) => ['--input-type=module', '-e', DUCKDB_CHILD, c.sql, String(workers), out] },
    ];
    const times = new Map(contenders.map((x) => [x.name, []]));
    let expected;
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
      // DuckDB first in the warm-up round: its answer is the reference every other run is checked against.
      if (r === 0) order.sort((a, b) => (a.name.startsWith('DuckDB') ? -1 : b.name.startsWith('DuckDB') ? 1 : 0));
      for (const x of order) {
        const out = path.join(dir, 'out.csv');
        const t = timed(x.args(out), dir);
        const answer = answerOf(out);
        rmSync(out);
        if (x.name.startsWith('DuckDB')) expected ??= answer;
        else checkSame(`${name} ${x.name}`, expected, answer);
        if (r > 0) times.get(x.name).push(t);
        progress(
          `fast-paths ${name} round ${r}${r === 0 ? ' (warm-up)' : ''}: ${x.name} ` +
            `wall ${t.wall.toFixed(2)} s, cpu ${t.cpu.toFixed(2)} s, load ${os.loadavg()[0].toFixed(1)}`,
        );
      }
    }
    const med = (name, k) => median(times.get(name).map((t) => t[k]));
    const duck = contenders.at(-1).name;
    results.push({
      case: name,
      title: c.title,
      contenders: contenders.map((x) => ({
        name: x.name,
        wall: med(x.name, 'wall'),
        cpu: med(x.name, 'cpu'),
        rssMb: med(x.name, 'rssMb'),
        cpuVsDuckdb: med(x.name, 'cpu') / med(duck, 'cpu'),
        wallVsDuckdb: med(x.name, 'wall') / med(duck, 'wall'),
        runs: times.get(x.name),
      })),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const loadEnd = os.loadavg();
const lines = header('Fast paths for string keys: word count and q3 from CSV against DuckDB', HYPOTHESIS, m, loadEnd);
lines.push(
  `Medians of ${rounds - 1} interleaved rounds after a warm-up; each a whole process under /usr/bin/time; ` +
    "every answer checked against DuckDB's.",
  '',
  ...mdTable(
    ['case', 'contender', 'CPU s (user+sys)', 'wall s', 'peak RSS MB', 'CPU ÷ DuckDB', 'wall ÷ DuckDB'],
    results.flatMap((r) =>
      r.contenders.map((x) => [
        r.title,
        x.name,
        x.cpu.toFixed(2),
        x.wall.toFixed(2),
        x.rssMb.toFixed(0),
        fmtX(x.cpuVsDuckdb),
        fmtX(x.wallVsDuckdb),
      ]),
    ),
  ),
);
writeResults('fast-paths', 'full', [...lines, '', ...keptNotes()], {
  hypothesis: HYPOTHESIS,
  machine: m,
  loadavgEnd: loadEnd,
  workers,
  results,
});
