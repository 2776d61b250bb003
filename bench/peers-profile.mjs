// Where quiver's time goes in the peer cases furthest from issue 25's targets: `node --cpu-prof` of the
// CLI (dist/src/cli/main.js, one module per file so a frame names its stage; workers inherit the flag
// and write a profile each), every sample given to a stage by the deepest frame on its stack that a
// stage claims: read + decode, compute (the job's map/combine and ctx columns), shuffle + merge, write
// the output, bundle + plan, start-up, GC. Frames no stage claims (V8 built-ins such as Map.set,
// apache-arrow's vector code) count for their caller's stage.
//
// Hypothesis: for Parquet, NDJSON and convert, read + decode is most of the CPU; for CSV q3 and word
// count, compute on JS strings (keys) is.
//
//   node bench/peers-profile.mjs [--rows 10000000] [--workers 2] [--only q1-parquet,q3-csv]
//   (--only profiles those runs again and keeps the others' earlier results)
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_FLAGS } from '../dist/src/node-flags.js';
import { ROOT, RESULTS_DIR } from './data.mjs';
import { peersFiles } from './peers-data.mjs';
import { CASES } from './peers-queries.mjs';
import { machine, mdTable, progress, timeProcess } from './lib.mjs';

const CLI = path.join(ROOT, 'dist/src/cli/main.js');

/** The profiled runs: a case of peers-queries.mjs on a format of peers-data.mjs. */
const RUNS = [
  ['q1', 'parquet-duckdb-snappy'],
  ['q3', 'parquet-duckdb-snappy'],
  ['q3', 'csv'],
  ['q1', 'ndjson'],
  ['wordcount', 'text'],
  ['convert-csv', 'parquet-duckdb-snappy'],
  ['convert-arrow', 'parquet-duckdb-snappy'],
];

/** Stages by the file of a frame; the deepest frame a stage claims decides a sample's stage. */
const STAGES = [
  // The convert job's bundle formats and writes the output; other jobs' bundles are their compute.
  [
    'write output',
    /dist\/src\/(io\/(text-formats|batch-text|format-value|format-column|cell-bytes|format-temporal|sinks|parquet-sink|arrow-parts)|cli\/print)|\.cache\/quiver\/convert-/,
  ],
  ['read + decode', /dist\/src\/(io\/|worker\/read-split)|parquet-wasm|apache-arrow\/(ipc|io)\/|fzstd|hyparquet/],
  ['compute (job code, ctx columns, groups)', /\.cache\/quiver\/|\/jobs\/|dist\/src\/worker\/(context|column-|combiner)/],
  ['shuffle + merge', /dist\/src\/(worker\/(hash|partials|share-pairs|order)|coordinator\/)/],
  ['bundle + plan', /dist\/src\/(job\/bundle|planner\/)|esbuild/],
  ['start-up (loading modules)', /^node:internal\/(modules|main|bootstrap)/],
];

/** Stage ms and self ms per function of one .cpuprofile. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageCache = new Map();
  const stageOf = (id) => {
    if (stageCache.has(id)) return stageCache.get(id);
    const f = byId.get(id).callFrame;
    let s;
    if (['(garbage collector)', '(idle)', '(program)'].includes(f.functionName)) s = f.functionName;
    else s = STAGES.find(([, re]) => re.test(f.url))?.[0] ?? (parent.has(id) ? stageOf(parent.get(id)) : 'other');
    stageCache.set(id, s);
    return s;
  };
  const stages = {};
  const self = {};
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i];
    const s = stageOf(id);
    stages[s] = (stages[s] ?? 0) + ms;
    const f = byId.get(id).callFrame;
    const name = `${f.functionName || '(anonymous)'}${f.url ? ` ${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`;
    self[name] = (self[name] ?? 0) + ms;
  }
  return { stages, self };
}

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(`${ROOT}/`, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\.cache\/quiver\/[^/]*\//, 'job bundle: ');

function add(into, from) {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

async function profileRun(name, format, files, workers) {
  const c = CASES[name];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-peers-prof-'));
  try {
    const input = format === 'text' ? files.text : files[format];
    const out = path.join(dir, c.to === 'arrow' ? 'out.arrow' : 'out.csv');
    const io = c.kind === 'convert' ? [input, out] : ['-i', input, '-o', out];
    const args = [
      ...NODE_FLAGS,
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      CLI,
      ...c.quiver,
      ...io,
      '-w',
      String(workers),
      '-q',
      '--overwrite',
    ];
    progress(`peers-profile: ${name} ${format} at ${workers} worker(s)`);
    const { ms } = await timeProcess(args, { cwd: ROOT });
    const main = { stages: {}, self: {} };
    const workerSum = { stages: {}, self: {} };
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
      const s = summarize(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
      // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
      const into = Number(f.split('.').at(-3)) === 0 ? main : workerSum;
      add(into.stages, s.stages);
      add(into.self, s.self);
    }
    // The JSON keeps each side's 40 largest self times (the full lists are thousands of functions).
    const keep = ({ stages, self }) => ({ stages, self: Object.fromEntries(topOf(self, 40)) });
    return { case: name, format, workers, processMs: Math.round(ms), main: keep(main), workers_: keep(workerSum) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const flag = (n, d) => {
  const i = process.argv.indexOf(`--${n}`);
  return i >= 0 ? process.argv[i + 1] : d;
};
const rows = Number(flag('rows', 10_000_000));
const workers = Number(flag('workers', 2));
const only = flag('only', undefined)?.split(',');
const files = peersFiles(rows, 200);
const m = machine();
// Runs not profiled again this time keep their earlier results (same rows and workers).
const jsonFile = path.join(RESULTS_DIR, 'peers-profile.json');
const before = existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : undefined;
if (only && before && (before.rows !== rows || before.workers !== workers)) {
  // --only keeps the other runs' results: they must be of the same size, or the file would mix two.
  throw new Error(
    `--only: bench/results/peers-profile.json holds ${before.rows} rows at ${before.workers} workers; profile with --rows ${before.rows} --workers ${before.workers}, or without --only`,
  );
}
const results = [];
for (const [name, format] of RUNS) {
  if (only && !only.includes(`${name}-${format.split('-')[0]}`)) {
    const old = before?.rows === rows && before.workers === workers && before.results.find((r) => r.case === name && r.format === format);
    if (old) results.push(old);
    continue;
  }
  results.push(await profileRun(name, format, files, workers));
}

const busy = (stages) =>
  Object.entries(stages)
    .filter(([k]) => k !== '(idle)')
    .reduce((n, [, v]) => n + v, 0);
const stageNames = [...STAGES.map(([s]) => s), '(garbage collector)', '(program)', 'other'];
const pct = (stages, s) => `${Math.round((100 * (stages[s] ?? 0)) / Math.max(1, busy(stages)))}%`;
/** The n largest self times, idle left out. */
function topOf(self, n) {
  return Object.entries(self)
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}
const lines = [
  `# Where quiver's time goes in the peer cases (${rows.toLocaleString('en')} rows, ${workers} workers)`,
  '',
  `Machine: ${m.cores} cores, Node ${m.node}, ${m.date}, build \`${m.commit}\`, load average ${m.loadavg.join(' / ')}. ` +
    '`node --no-concurrent-marking --no-concurrent-sweeping --cpu-prof dist/src/cli/main.js …` (the flags of the `quiver` command); one profile per thread. ' +
    'Shares of busy CPU (idle excluded), workers and main thread together; profiling slows the run, so read shares, not times.',
  '',
  ...mdTable(
    ['case', 'format', 'process ms', 'busy CPU ms (workers / main)', ...stageNames],
    results.map((r) => {
      const all = { ...r.workers_.stages };
      add(all, r.main.stages);
      return [
        r.case,
        r.format,
        r.processMs,
        `${Math.round(busy(all))} (${Math.round(busy(r.workers_.stages))} / ${Math.round(busy(r.main.stages))})`,
        ...stageNames.map((s) => pct(all, s)),
      ];
    }),
  ),
  '',
  '## Top self-time functions (workers and main thread together)',
  '',
];
for (const r of results) {
  const all = { ...r.workers_.self };
  add(all, r.main.self);
  const total = busy(all);
  lines.push(
    `### ${r.case}, ${r.format}`,
    '',
    ...mdTable(
      ['function', 'self ms', 'share of busy'],
      topOf(all, 15).map(([k, v]) => [`\`${k}\``, Math.round(v), `${((100 * v) / total).toFixed(1)}%`]),
    ),
    '',
  );
}
writeFileSync(path.join(RESULTS_DIR, 'peers-profile.md'), lines.join('\n') + '\n');
writeFileSync(jsonFile, JSON.stringify({ machine: m, rows, workers, results }, null, 2) + '\n');
progress('wrote bench/results/peers-profile.md and .json');
