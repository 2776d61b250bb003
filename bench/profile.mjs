// CPU profiles of quiver runs (issue 4: "profile before tuning; say where the time goes").
//
// Hypothesis: at 1 and 2 workers the workers' time is dominated by the job's own map loop and by
// turning Arrow columns into JS values (ctx.strings), reading and decoding is a small share, and the
// coordinator's serial part (start-up, bundling, shuffle, reduce, merge into a table) is what keeps
// the whole run from scaling.
//
// Method: `node --cpu-prof dist/src/cli/main.js run … --json-report`, once per case and worker count.
// Worker threads inherit the flag and write one profile each. Every sample is attributed to the
// deepest frame on its stack that belongs to quiver, the job bundle or Node start-up (so time in
// V8 builtins such as Map.set or String.split counts for the quiver/job function that called them),
// and grouped into the engine's stages; the top self-time functions are listed per thread. Profiling
// slows the run, so the phase times here are larger than in core.md.
//
//   node bench/profile.mjs [--scale small] [--workers 1,2] [--cases wordcount,q2]
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CASES, paramFlags } from './cases.mjs';
import { ROOT, ensureData, scaleName } from './data.mjs';
import {
  checkSameRows,
  fmtMs,
  header,
  machine,
  mdTable,
  progress,
  rowsOfCsv,
  rowsOfMap,
  timeProcess,
  workerCounts,
  writeResults,
} from './lib.mjs';

const HYPOTHESIS =
  'At 1 and 2 workers the workers’ time goes mostly to the job’s map loop and to turning Arrow columns into JS values; ' +
  'reading and decoding is a small share; the coordinator’s serial part (start-up, bundling, reduce, merge) keeps the run from scaling.';

/** The CLI as tsc built it, one file per module: stages are told by source file, which the `quiver` bin (dist/bundle) merges into chunks. */
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const inBundle = (f) => /\.cache\/quiver\//.test(f.url);
const inTasks = (f) => /dist\/src\/worker\/tasks\.js/.test(f.url);

/**
 * Stages, decided by the deepest frame of a sample's stack that a rule matches (first rule wins);
 * a rule sees the frame and its caller. Frames no rule matches (V8 built-ins, apache-arrow, quiver's
 * small helpers such as `user`) are transparent: the sample goes to their caller's stage.
 */
const RULES = [
  ['(garbage collector)', (f) => f.functionName === '(garbage collector)'],
  ['(idle)', (f) => f.functionName === '(idle)'],
  ['(program: V8 / native, no JS frame)', (f) => f.functionName === '(program)'],
  ['job code: map', (f) => inBundle(f) && f.functionName === 'map'],
  ['job code: combine', (f) => inBundle(f) && f.functionName === 'combine'],
  ['job code: reduce', (f) => inBundle(f) && f.functionName === 'reduce'],
  ['job code: other', (f) => inBundle(f)],
  ['ctx.strings / ctx.column', (f) => /dist\/src\/worker\/context\.js/.test(f.url)],
  // emit is a closure (anonymous, or named emit) in tasks.js called by the job's map or flush.
  [
    'map-side combine (emit)',
    (f, p) => inTasks(f) && (f.functionName === '' || /emit/i.test(f.functionName)) && p !== undefined && inBundle(p),
  ],
  [
    'partition + encode partials',
    (f) => /dist\/src\/worker\/(hash|partials|share-pairs)\.js/.test(f.url) || (inTasks(f) && /partition/i.test(f.functionName)),
  ],
  [
    'reduce task (merge partials, sort)',
    (f) => (inTasks(f) && f.functionName === 'runReduceTask') || /dist\/src\/worker\/order\.js/.test(f.url),
  ],
  ['map task (other)', (f) => inTasks(f) && /^run(Map|Drain|Fold)Task$/.test(f.functionName)],
  ['read + decode split', (f) => /dist\/src\/(io\/read-|io\/cut-batch|io\/file-range|worker\/read-split)/.test(f.url)],
  ['worker messaging', (f) => /dist\/src\/worker\/entry\.js|threads\/dist/.test(f.url)],
  ['coordinator: merge + result table', (f) => /dist\/src\/coordinator\/(merge-sorted|output|tree-merge)\.js/.test(f.url)],
  [
    'print result (CSV)',
    (f) =>
      /dist\/src\/(io\/(text-formats|batch-text|format-value|format-column|cell-bytes|format-temporal)|cli\/print-table)\.js/.test(f.url),
  ],
  ['bundle job (esbuild)', (f) => /dist\/src\/job\/bundle\.js|esbuild/.test(f.url)],
  ['plan', (f) => /dist\/src\/planner\//.test(f.url)],
  ['coordinator / executor', (f) => /dist\/src\/(coordinator|executor)\//.test(f.url)],
  ['start-up (loading modules)', (f) => /^node:internal\/(modules|main)|^node:internal\/bootstrap/.test(f.url)],
  ['other quiver', (f) => /dist\/src\//.test(f.url) && !/dist\/src\/worker\/tasks\.js/.test(f.url)],
];

/** Per-stage ms and top self-time functions of one .cpuprofile. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = (id) => byId.get(id).callFrame;
  const memo = (fn) => {
    const cache = new Map();
    return (id) => (cache.has(id) ? cache.get(id) : (cache.set(id, fn(id)), cache.get(id)));
  };
  // The task a frame runs in: the nearest run*Task caller.
  const taskOf = memo((id) => {
    const f = frameOf(id);
    if (inTasks(f) && /^run\w+Task$/.test(f.functionName)) return f.functionName;
    return parent.has(id) ? taskOf(parent.get(id)) : undefined;
  });
  const deepest = memo((id) => {
    const p = parent.has(id) ? frameOf(parent.get(id)) : undefined;
    const rule = RULES.find(([, test]) => test(frameOf(id), p));
    return rule ? rule[0] : parent.has(id) ? deepest(parent.get(id)) : 'other (Node internals, libraries)';
  });
  // The job's combine runs on both sides of the shuffle; say which.
  const stage = (id) => {
    const s = deepest(id);
    return s === 'job code: combine' ? (taskOf(id) === 'runReduceTask' ? 'reduce: job combine' : 'map-side combine: job combine') : s;
  };
  const stages = {};
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one.
    const ms = (timeDeltas[i + 1] ?? 0) / 1000;
    const s = stage(samples[i]);
    stages[s] = (stages[s] ?? 0) + ms;
    const f = frameOf(samples[i]);
    const name = `${f.functionName || '(anonymous)'} ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    self.set(name, (self.get(name) ?? 0) + ms);
  }
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const top = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((1000 * ms) / totalMs) / 10 }));
  return {
    totalMs: Math.round(totalMs),
    stages: Object.fromEntries(
      Object.entries(stages)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => [k, Math.round(v)]),
    ),
    top,
  };
}

function shortUrl(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(ROOT + '/', '')
    .replace(/^.*node_modules\//, '');
}

async function profileRun(c, file, workers, expected) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-prof-'));
  const reportFile = path.join(dir, 'report.json');
  try {
    const args = [
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      CLI,
      'run',
      c.job,
      '-i',
      file,
      ...paramFlags(c),
      '-w',
      String(workers),
      '--format',
      'csv',
      '--json-report',
      reportFile,
    ];
    progress(`profile: ${c.name} at ${workers} worker(s)`);
    const { ms, stdout } = await timeProcess(args, { cwd: ROOT });
    checkSameRows(`profile ${c.name} ${workers}w`, expected, rowsOfCsv(stdout).rows);
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    // Profile files are CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
    const threads = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => ({ thread: Number(f.split('.').at(-3)), ...summarizeProfile(JSON.parse(readFileSync(path.join(dir, f), 'utf8'))) }))
      .sort((a, b) => a.thread - b.thread);
    return {
      case: c.name,
      title: c.title,
      workers,
      processMs: Math.round(ms),
      phases: report.phases,
      setupDetail: report.setupDetail,
      wallMs: report.wallMs,
      threads,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function sumStages(threads) {
  const out = {};
  for (const t of threads) for (const [k, v] of Object.entries(t.stages)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Coarse groups of the stages, for the summary table. */
const GROUPS = [
  ['read + decode', ['read + decode split']],
  ['map (job + ctx)', ['job code: map', 'job code: other', 'ctx.strings / ctx.column']],
  ['map-side combine', ['map-side combine (emit)', 'map-side combine: job combine']],
  ['partition + encode', ['partition + encode partials']],
  ['map task (other)', ['map task (other)']],
  ['reduce', ['reduce task (merge partials, sort)', 'reduce: job combine', 'job code: reduce']],
  ['GC', ['(garbage collector)']],
  ['start-up', ['start-up (loading modules)']],
];
const MAIN_GROUPS = [
  ['start-up', ['start-up (loading modules)']],
  ['bundle + plan', ['bundle job (esbuild)', 'plan']],
  ['coordinator', ['coordinator / executor', 'worker messaging']],
  ['merge + table', ['coordinator: merge + result table']],
  ['print', ['print result (CSV)']],
  ['GC', ['(garbage collector)']],
];

function groupShares(stages, groups) {
  const busy = Object.entries(stages)
    .filter(([k]) => k !== '(idle)')
    .reduce((n, [, v]) => n + v, 0);
  const shares = groups.map(([, names]) => names.reduce((n, k) => n + (stages[k] ?? 0), 0));
  const rest = busy - shares.reduce((n, x) => n + x, 0);
  const pct = (x) => `${Math.round((100 * x) / Math.max(1, busy))}%`;
  return { busy, cells: [...shares, rest].map(pct) };
}

/** Text after this marker in profile.md is kept when the file is regenerated (hand-written findings). */
const FINDINGS_MARKER = '<!-- findings: text below this line is kept when bench/profile.mjs rewrites this file -->';

function keptFindings(scale) {
  const file = path.join(scale === 'full' ? path.join(ROOT, 'bench/results') : path.join(ROOT, 'bench/data/results'), 'profile.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const at = old.indexOf(FINDINGS_MARKER);
  return at >= 0 ? old.slice(at).trimEnd().split('\n') : [FINDINGS_MARKER, '', '## Findings', '', '(none written yet)'];
}

function markdown(m, scale, runs, loadEnd) {
  const lines = header('Where the time goes: CPU profiles of quiver runs', HYPOTHESIS, m, loadEnd);
  lines.push(
    `Scale \`${scale}\`. Each run: \`node --cpu-prof dist/src/cli/main.js run <job> -i <file> -w N --format csv\` (one profile per thread; workers inherit the flag). ` +
      'A sample counts for the deepest frame on its stack that is quiver’s, the job’s or Node’s start-up, so built-ins (Map.set, String.split, TextDecoder) count for their caller. ' +
      'Profiling slows everything down; read shares, not absolute times.',
    '',
    '## Run report phases (wall ms, under the profiler)',
    '',
    ...mdTable(
      ['case', 'workers', 'process', 'run wall', 'setup (bundle / plan / workers)', 'map', 'shuffle', 'reduce', 'merge'],
      runs.map((r) => [
        r.title,
        r.workers,
        r.processMs,
        fmtMs(r.wallMs),
        `${fmtMs(r.phases.setup)} (${fmtMs(r.setupDetail.bundleMs)} / ${fmtMs(r.setupDetail.planMs)} / ${fmtMs(r.setupDetail.workersMs)})`,
        fmtMs(r.phases.map),
        fmtMs(r.phases.shuffle),
        fmtMs(r.phases.reduce),
        fmtMs(r.phases.merge),
      ]),
    ),
    '',
    'Before `run wall` starts, the process spends `process − run wall` ms starting Node, loading quiver’s modules and parsing the command line; after it, printing the result.',
    '',
    '## Summary: shares of busy CPU (idle excluded)',
    '',
    ...mdTable(
      ['case', 'workers', 'workers’ busy ms', ...GROUPS.map(([g]) => g), 'other', 'main busy ms', ...MAIN_GROUPS.map(([g]) => g), 'other'],
      runs.map((r) => {
        const w = groupShares(sumStages(r.threads.filter((t) => t.thread !== 0)), GROUPS);
        const mainT = groupShares(r.threads.find((t) => t.thread === 0)?.stages ?? {}, MAIN_GROUPS);
        return [r.title, r.workers, Math.round(w.busy), ...w.cells, Math.round(mainT.busy), ...mainT.cells];
      }),
    ),
    '',
  );
  for (const r of runs) {
    lines.push(`## ${r.title}, ${r.workers} worker${r.workers > 1 ? 's' : ''}`, '');
    const stageNames = [...new Set(r.threads.flatMap((t) => Object.keys(t.stages)))];
    const all = sumStages(r.threads.filter((t) => t.thread !== 0));
    stageNames.sort((a, b) => (all[b] ?? 0) - (all[a] ?? 0));
    lines.push(
      ...mdTable(
        [
          'stage (CPU ms)',
          ...r.threads.map((t) => (t.thread === 0 ? `main (${t.totalMs} ms)` : `worker tid ${t.thread} (${t.totalMs} ms)`)),
        ],
        stageNames.map((s) => [s, ...r.threads.map((t) => String(t.stages[s] ?? 0))]),
      ),
      '',
    );
    for (const t of r.threads) {
      lines.push(
        `Top self time, ${t.thread === 0 ? 'main thread' : `worker tid ${t.thread}`}: ${t.top
          .filter((x) => !/^\((idle|program)\)/.test(x.name))
          .slice(0, 8)
          .map((x) => `\`${x.name}\` ${x.ms} ms (${x.pct}%)`)
          .join('; ')}.`,
        '',
      );
    }
  }
  lines.push('', ...keptFindings(scale));
  return lines;
}

const scale = scaleName();
const files = await ensureData(scale);
const m = machine();
const i = process.argv.indexOf('--cases');
const cases = CASES.filter((c) => (i >= 0 ? process.argv[i + 1].split(',') : ['wordcount', 'q2']).includes(c.name));
const counts = [...new Set([1, Math.max(...workerCounts())])];
const runs = [];
for (const c of cases) {
  const file = files[c.cliInput];
  const expected = rowsOfMap(c.baseline(file));
  for (const w of counts) runs.push(await profileRun(c, file, w, expected));
}
const loadEnd = os.loadavg();
writeResults('profile', scale, markdown(m, scale, runs, loadEnd), { hypothesis: HYPOTHESIS, machine: m, loadavgEnd: loadEnd, scale, runs });
