// Bounded memory (issue 5): group-by over a CSV several times larger than a memory budget.
//
// Hypothesis: quiver's peak memory is set by workers × in-flight splits × split size plus the reduce
// state (docs/memory.md), not by the input: the planner reads only a sample and the file size,
// each worker reads its own byte ranges, and the scheduler keeps one task in flight per worker. So
// group-by over a CSV of 4× the budget stays under the budget.
//
// The CSV is the db-benchmark G1 table (1M rows) written again and again up to --csv-gb; the run is
// the quiver CLI as a child process, and its memory is sampled every 50 ms: VmRSS of the process and
// all its descendants (worker threads live in the process; esbuild runs as a child), plus VmHWM (the
// kernel's own peak) of the main process. The answer is checked: counts sum to the rows written.
//
//   node bench/memory-csv.mjs [--csv-gb 4] [--budget-gb 1] [--workers 2] [--keep]
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, DATA_DIR, ROOT } from './data.mjs';
import { header, machine, mdTable, progress, writeResults } from './lib.mjs';

const num = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const csvGb = num('csv-gb', 4);
const budgetGb = num('budget-gb', 1);
const workers = num('workers', 2);
const GB = 2 ** 30;

/** Writes the CSV: the G1 1M-row text repeated; returns its path and how many copies it holds. */
async function makeCsv() {
  const file = path.join(DATA_DIR, `memory-${csvGb}gb.csv`);
  const { groupbyBatches } = await import(pathToFileURL(path.join(ROOT, 'dist/src/datasets/groupby.js')).href);
  const parts = [];
  for (const b of groupbyBatches(1_000_000, 1)) {
    const c = b.schema.fields.map((f) => b.getChild(f.name).toArray());
    let s = '';
    for (let i = 0; i < b.numRows; i++)
      s += `${c[0][i]},${c[1][i]},${c[2][i]},${c[3][i]},${c[4][i]},${c[5][i]},${c[6][i]},${c[7][i]},${c[8][i]}\n`;
    parts.push(s);
  }
  const chunk = Buffer.from(parts.join(''));
  const copies = Math.ceil((csvGb * GB) / chunk.length);
  if (existsSync(file) && statSync(file).size > copies * chunk.length) return { file, copies };
  progress(`memory: writing ${copies} × ${(chunk.length / 2 ** 20).toFixed(0)} MB to ${path.relative(ROOT, file)}`);
  const out = createWriteStream(`${file}.tmp`);
  out.write('id1,id2,id3,id4,id5,id6,v1,v2,v3\n');
  for (let k = 0; k < copies; k++) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  renameSync(`${file}.tmp`, file);
  return { file, copies };
}

/** VmRSS (bytes) of a process, and VmHWM; undefined once it has exited. */
function status(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

/** The process and all its descendants. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      /* gone */
    }
  }
  return out;
}

const { file, copies } = await makeCsv();
const bytes = statSync(file).size;
const m = machine();
progress(`memory: group-by over ${(bytes / GB).toFixed(2)} GB with ${workers} worker(s), budget ${budgetGb} GB`);
const t0 = performance.now();
const child = spawn(
  process.execPath,
  [CLI, 'run', 'groupby', '-i', file, '-w', String(workers), '-p', 'by=id1', '-p', 'agg=count,sum:v1', '-f', 'json', '-q'],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
const stdout = [];
const stderr = [];
child.stdout.on('data', (d) => stdout.push(d));
child.stderr.on('data', (d) => stderr.push(d));
let peakTree = 0;
let peakHwm = 0;
const samples = [];
const timer = setInterval(() => {
  let sum = 0;
  for (const p of tree(child.pid)) sum += status(p)?.rss ?? 0;
  const own = status(child.pid);
  if (own) peakHwm = Math.max(peakHwm, own.hwm);
  peakTree = Math.max(peakTree, sum);
  samples.push([Math.round(performance.now() - t0), Math.round(sum / 2 ** 20)]);
}, 50);
const [code] = await once(child, 'close');
clearInterval(timer);
const seconds = (performance.now() - t0) / 1000;
if (code !== 0) throw new Error(`quiver exited with ${code}: ${Buffer.concat(stderr)}`);
const result = JSON.parse(Buffer.concat(stdout).toString());
const counted = result.reduce((n, r) => n + r.count, 0);
if (counted !== copies * 1_000_000) throw new Error(`counted ${counted} rows, wrote ${copies * 1_000_000}`);
const peak = Math.max(peakTree, peakHwm);
const ok = peak <= budgetGb * GB;
const rows = [
  [
    `${(bytes / GB).toFixed(2)} GB`,
    `${(copies * 1e6).toLocaleString('en-US')}`,
    workers,
    `${(peak / 2 ** 20).toFixed(0)} MB`,
    `${budgetGb} GB`,
    `${(bytes / peak).toFixed(1)}×`,
    `${seconds.toFixed(1)} s`,
    ok ? 'yes' : 'NO',
  ],
];
const md = [
  ...header(
    'Bounded memory: group-by over a CSV larger than the memory budget',
    'peak RSS of the whole process tree stays under the budget although the CSV is several times larger (docs/memory.md gives the formula).',
    m,
    os.loadavg(),
  ),
  `Job: \`quiver run groupby -p by=id1 -p agg=count,sum:v1\` (CLI, child process). Memory sampled every 50 ms from /proc (VmRSS summed over the process and its descendants; VmHWM of the main process); the larger is reported.`,
  '',
  ...mdTable(['CSV', 'rows', 'workers', 'peak RSS', 'budget', 'CSV ÷ peak', 'wall', 'under budget'], rows),
];
writeResults(`memory-csv`, csvGb >= 4 ? 'full' : 'small', md, {
  csvBytes: bytes,
  copies,
  workers,
  peakTreeBytes: peakTree,
  peakHwmBytes: peakHwm,
  budgetBytes: budgetGb * GB,
  seconds,
  samples: samples.filter((_, i) => i % 10 === 0),
});
console.log(md.join('\n'));
if (!process.argv.includes('--keep')) rmSync(file, { force: true });
if (!ok) process.exitCode = 1;
