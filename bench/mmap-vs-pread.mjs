// Memory-mapped reads (native/mmap.c) against plain synchronous preads of the needed byte ranges
// (issue 24): does the native addon earn its keep?
//
// Hypothesis: the addon is kept only if it makes a user-visible job (group-by q1 on db-benchmark G1
// data, word count on 100 MB of text) at least 15% cheaper in CPU time (user + sys of the whole
// process) than preads, at 1 or 2 workers, with the file's pages cold or warm. (Word count reads the 100 MB
// text file of bench/data.mjs: the 200 MB one took a minute a run on this loaded machine.) Scans of a single
// numeric columns (Arrow, CSV, Parquet; the job names them, so both paths read only those) show the
// read path alone, where the difference is largest; one more Arrow scan names no columns.
//
// Both paths come from the same build: QUIVER_MMAP=0 turns the addon off (src/io/mmap.ts), and
// every read then is an fs.readSync of the bytes a task needs (src/io/file-range.ts preadInto). Each
// run is one `quiver run` process timed by /usr/bin/time (wall, user, sys). Rounds are interleaved:
// every round runs every case × workers × pages × path once, in an order that alternates the path
// first. Outputs of the two paths are compared (same stdout) in every round.
//
// Cold pages: the machine is shared, so the page cache cannot be dropped; before a cold run the
// input's own pages are evicted with posix_fadvise(DONTNEED) (`dd iflag=nocache count=0`) and
// `fincore` checks how much stayed resident (reported). The virtual disk's host may still cache the
// bytes, so "cold" here is "not in this kernel's page cache", not "from the platters". Warm: the file
// is read once (cat > /dev/null) right before the run.
//
// The addon was removed after this measurement (bench/results/mmap-vs-pread.md), so the script measures
// only a build that still has it: a checkout of 22ef7dd (preads, and the addon), built, with this script
// and bench/jobs/scan-columns.ts copied in.
//
//   node bench/mmap-vs-pread.mjs [--rounds 5] [--workers 1,2] [--cases scan-arrow,q1-csv,…]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, ROOT, ensureData } from './data.mjs';
import { header, intFlag, machine, mdTable, median, progress, writeResults } from './lib.mjs';

const rounds = intFlag('rounds', 5);
const workerArg = process.argv.indexOf('--workers');
const workers = workerArg >= 0 ? process.argv[workerArg + 1].split(',').map(Number) : [1, 2];
const CLI = path.join(ROOT, 'dist/bundle/cli.mjs');
const SCAN_ALL = path.join(ROOT, 'bench/jobs/scan.ts');
const SCAN = path.join(ROOT, 'bench/jobs/scan-columns.ts');

const files = await ensureData('full');
const g1 = {
  arrow: files.groupby,
  csv: path.join(DATA_DIR, `io-${files.rows}.csv`),
  parquet: path.join(DATA_DIR, `io-${files.rows}.parquet`),
};
for (const f of Object.values(g1))
  if (!existsSync(f)) throw new Error(`${f} is missing: run node bench/io.mjs once (it converts the G1 Arrow file to CSV and Parquet)`);

const Q1 = ['groupby', '-p', 'by=id1', '-p', 'agg=sum:v1'];
/** The cases: a name, what it shows, the input file and the `quiver run` arguments before `-i`. */
const ALL = [
  // A job that does not name its columns: a pread reads every column, a mapping faults in only what is touched.
  { name: 'scan-arrow-unnamed', kind: 'scan', file: g1.arrow, job: [SCAN_ALL] },
  { name: 'scan-arrow', kind: 'scan', file: g1.arrow, job: [SCAN] },
  { name: 'scan-csv', kind: 'scan', file: g1.csv, job: [SCAN] },
  { name: 'scan-parquet', kind: 'scan', file: g1.parquet, job: [SCAN] },
  { name: 'q1-arrow', kind: 'user job', file: g1.arrow, job: Q1 },
  { name: 'q1-csv', kind: 'user job', file: g1.csv, job: Q1 },
  { name: 'q1-parquet', kind: 'user job', file: g1.parquet, job: Q1 },
  { name: 'wordcount-text', kind: 'user job', file: files.cliText, job: ['wordcount', '-n', '5'] },
];
const caseArg = process.argv.indexOf('--cases');
const cases = caseArg >= 0 ? ALL.filter((c) => process.argv[caseArg + 1].split(',').includes(c.name)) : ALL;

/** Evicts the file's pages (cold) or reads it once (warm); returns the share of its pages resident before the run. */
function preparePages(file, pages) {
  if (pages === 'cold') execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
  else execFileSync('sh', ['-c', `cat "${file}" > /dev/null`]);
  const out = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file]).toString().trim();
  return Number(out) / statSync(file).size;
}

/** One `quiver run` under /usr/bin/time: wall, user and sys seconds, and stdout (the answer). */
function runOnce(c, w, path_) {
  const args = ['-f', '%e %U %S', process.execPath, CLI, 'run', ...c.job, '-i', c.file, '-w', String(w), '-q'];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', args, { env: { ...process.env, QUIVER_MMAP: path_ === 'mmap' ? '1' : '0' } });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString().trim();
      if (code !== 0) return reject(new Error(`${c.name} ${w}w ${path_} exited ${code}:\n${stderr}`));
      const [wall, user, sys] = stderr.split('\n').at(-1).split(' ').map(Number);
      resolve({ wall, cpu: user + sys, stdout: Buffer.concat(out).toString() });
    });
  });
}

const m = machine();
const samples = new Map(); // `${case} ${w} ${pages} ${path}` → { wall: [], cpu: [], resident: [] }
const key = (...parts) => parts.join(' ');
for (let r = 0; r < rounds; r++) {
  for (const c of cases)
    for (const w of workers)
      for (const pages of ['cold', 'warm']) {
        // Alternate which path goes first, so neither always inherits the other's leftovers.
        const order = (r + workers.indexOf(w)) % 2 === 0 ? ['mmap', 'pread'] : ['pread', 'mmap'];
        const answers = [];
        for (const p of order) {
          const resident = preparePages(c.file, pages);
          const run = await runOnce(c, w, p);
          answers.push(run.stdout);
          const k = key(c.name, w, pages, p);
          if (!samples.has(k)) samples.set(k, { wall: [], cpu: [], resident: [] });
          const s = samples.get(k);
          s.wall.push(run.wall);
          s.cpu.push(run.cpu);
          s.resident.push(resident);
          progress(
            `round ${r + 1}/${rounds} ${c.name} ${w}w ${pages} ${p}: cpu ${run.cpu.toFixed(2)} s, wall ${run.wall.toFixed(2)} s (resident before ${(resident * 100).toFixed(0)}%, load ${os.loadavg()[0].toFixed(1)})`,
          );
        }
        if (answers[0] !== answers[1]) throw new Error(`${c.name} ${w}w ${pages}: the two paths gave different answers`);
      }
}

const rows = [];
const json = { machine: m, rounds, results: [] };
for (const c of cases)
  for (const w of workers)
    for (const pages of ['cold', 'warm']) {
      const a = samples.get(key(c.name, w, pages, 'mmap'));
      const b = samples.get(key(c.name, w, pages, 'pread'));
      const cpu = [median(a.cpu), median(b.cpu)];
      const wall = [median(a.wall), median(b.wall)];
      const resident = Math.max(...a.resident, ...b.resident);
      rows.push([
        c.name,
        c.kind,
        String(w),
        pages,
        cpu[0].toFixed(2),
        cpu[1].toFixed(2),
        `${((1 - cpu[0] / cpu[1]) * 100).toFixed(0)}%`,
        wall[0].toFixed(2),
        wall[1].toFixed(2),
        `${((1 - wall[0] / wall[1]) * 100).toFixed(0)}%`,
        `${(resident * 100).toFixed(0)}%`,
      ]);
      json.results.push({ case: c.name, kind: c.kind, workers: w, pages, mmap: a, pread: b });
    }
const loadEnd = os.loadavg();
const md = [
  ...header(
    'Memory-mapped reads vs synchronous preads',
    'the native mmap addon makes a user-visible job (group-by q1 on G1 data, word count) at least 15% cheaper in CPU time than preads of the needed ranges; otherwise it goes.',
    m,
    loadEnd,
  ),
  `Medians of ${rounds} interleaved rounds, one \`quiver run\` process per cell timed by /usr/bin/time. CPU = user + sys of the whole process (the number to trust on this loaded machine); wall is shown for completeness. "saved" = 1 − mmap ÷ pread (positive: mmap is cheaper). Cold: the input's pages evicted with posix_fadvise(DONTNEED) before the run ("resident" is the most of the file found in the page cache before any run of the cell); warm: the file read once right before.`,
  '',
  ...mdTable(
    ['case', 'kind', 'workers', 'pages', 'mmap cpu s', 'pread cpu s', 'cpu saved', 'mmap wall s', 'pread wall s', 'wall saved', 'resident'],
    rows,
  ),
  '',
];
writeResults('mmap-vs-pread', 'full', md, json);
