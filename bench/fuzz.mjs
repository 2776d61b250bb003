// Fuzz campaign: quiver on mutated copies of small valid files of every input format.
//
// Hypothesis: whatever bytes a file holds, `quiver inspect`, `quiver run` and `quiver convert` either
// fail with a clear error naming the file (OK-ERROR) or succeed with the answer an independent reader
// finds in the same bytes (OK): never a crash, a hang, an error naming no file, or a wrong count.
//
//   node bench/fuzz.mjs [--cases 1000] [--seed 1] [--timeout 30] [--formats arrow,parquet,csv,...]
//                       [--ops inspect,run,convert] [--out /tmp/quiver-fuzz] [--parallel 2]
//                       [--first 0] [--minutes M] [--stall-timeout S] [--check-every 50] [--dist dist]
//                       [--solo-timeout 120]
//
// Each case mutates one seed (bench/fuzz-seeds.mjs, bench/fuzz-mutate.mjs) with the seeded PRNG, so a
// case is reproduced by its number alone; about 3% of cases instead cut a bigger file while a run reads
// it. The reference readers read each mutated file once, in a long-lived child (fuzz-reference.mjs).
// The operations run in long-lived runner processes (fuzz-runner.mjs: the CLI's inspect command and
// the library calls of run and convert on one Engine, with the CLI's error report), one per lane: a
// runner that dies is that operation's CRASH, one that outlives --timeout its HANG, and either is
// replaced. Every finding, and every --check-every'th case, runs again through the built CLI
// (<dist>/bundle/cli.mjs), one process per operation, and the two classifications are compared. Each
// outcome is classified:
//   OK        exit 0 and the reference's row count (and v sum, word count) — DuckDB for Parquet, CSV and
//             NDJSON, flechette for Arrow, zlib / the zstd CLI and plain loops for text
//   OK-ERROR  non-zero exit with a message naming the file
//   CRASH     a signal, exit 70 (internal error), an abort or a WebAssembly trap
//   SLOW      still running at --timeout, but it ended when re-run alone through the CLI (no other
//             operation of the campaign running, --solo-timeout) in less than --timeout of CPU time:
//             the machine's load, not quiver; shown with its times, and not a failure of the bar
//   HANG      still running at --timeout, and again when re-run alone (or over --timeout of CPU alone)
//   UNCLEAR   non-zero exit whose message names no file, or shows an internal stack
//   WRONG     exit 0 with a count or sum that differs from the reference's, or a file the reference
//             rejects as inconsistent accepted, or an output DuckDB cannot read
// Not OK cases are saved, one per (class, format, operation, message shape) and the smallest file of
// each, with the command and its stderr, to <out>/repro. The table goes to stdout (markdown).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Child } from './fuzz-children.mjs';
import { makeBigSeeds, makeSeeds, rng } from './fuzz-seeds.mjs';
import { mutate } from './fuzz-mutate.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const flag = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const DIST = path.resolve(flag('dist', path.join(ROOT, 'dist')));
const CLI = path.join(DIST, 'bundle/cli.mjs');
const CASES = Number(flag('cases', 1000));
const SEED = Number(flag('seed', 1));
const TIMEOUT_MS = Number(flag('timeout', 30)) * 1000;
// The Engine's watchdog: a reader that makes no progress for this long fails its task with a clear
// error (what `--stall-timeout` sets on the CLI), well before the harness calls the operation a HANG.
const STALL_MS = Number(flag('stall-timeout', TIMEOUT_MS / 2000)) * 1000;
// Every CHECK_EVERY-th case, and every case the in-process runner finds not OK, is run again through
// the CLI, one process per operation, to check that the fast path classifies as the CLI would.
const CHECK_EVERY = Number(flag('check-every', 50));
const PARALLEL = Number(flag('parallel', 2));
const FORMATS = flag('formats', 'arrow,parquet,csv,tsv,ndjson,json,text').split(',');
const OPS = flag('ops', 'inspect,run,convert').split(',');
const OUT = path.resolve(flag('out', path.join(os.tmpdir(), 'quiver-fuzz')));
const CLASSES = ['OK', 'OK-ERROR', 'SLOW', 'CRASH', 'HANG', 'UNCLEAR', 'WRONG'];
// A HANG is re-run alone through the CLI with this limit (SLOW if it then ends, see runCase).
const SOLO_TIMEOUT_MS = Number(flag('solo-timeout', 120)) * 1000;

rmSync(OUT, { recursive: true, force: true });
for (const d of ['seeds', 'cases', 'repro']) mkdirSync(path.join(OUT, d), { recursive: true });
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

/** A lane's long-lived children: the in-process runner of quiver operations, and the reference readers. */
function makeLane() {
  return {
    runner: new Child(path.join(ROOT, 'bench/fuzz-runner.mjs'), {
      name: 'fuzz-runner',
      env: { ...process.env, QUIVER_DIST: DIST, FUZZ_STALL_MS: String(STALL_MS) },
    }),
    reference: new Child(path.join(ROOT, 'bench/fuzz-reference.mjs'), { name: 'fuzz-reference', execArgv: ['--max-old-space-size=1024'] }),
  };
}

/** The reference readers' answer for a file (`ask` 'reference') or for convert's output ('output'). */
async function ask(lane, message) {
  const o = await lane.reference.ask(message, 60_000);
  if (o.state === 'answered') return o.answer.answer;
  refCrashes++;
  return { ok: false, why: `the reference reader ${o.state === 'timeout' ? 'took over 60 s' : `crashed (${o.signal ?? o.code})`}` };
}
const referenceOf = (lane, file, format) => ask(lane, { ask: 'reference', file, format });
let refCrashes = 0;

const seeds = (await makeSeeds(path.join(OUT, 'seeds'), CLI)).filter((s) => FORMATS.includes(s.format));
const bigSeeds = makeBigSeeds(path.join(OUT, 'seeds')).filter((s) => FORMATS.includes(s.format));
const lanes = Array.from({ length: PARALLEL }, makeLane);
for (const s of [...seeds, ...bigSeeds]) {
  s.ref = await referenceOf(lanes[0], s.file, s.format);
  if (!s.ref.ok) throw new Error(`the reference rejects seed ${s.name}: ${s.ref.why}`);
}
const ext = (name) => name.slice(name.indexOf('.'));

/** The command line of an operation on a file. */
function command(op, file, seed, out) {
  const common = ['-w', '2'];
  if (op === 'inspect') return ['inspect', file];
  if (op === 'convert') return ['convert', file, out, '--overwrite', '-q', '--stall-timeout', String(STALL_MS / 1000), ...common];
  const job = seed.kind === 'text' ? ['wordcount'] : ['groupby', '-p', 'by=g', '-p', 'agg=count,sum:v'];
  return [
    'run',
    ...job,
    '-i',
    file,
    '-f',
    'json',
    '-n',
    '1000000',
    '--batch-rows',
    '64',
    '--json-report',
    `${out}.report.json`,
    '--stall-timeout',
    String(STALL_MS / 1000),
    ...common,
  ];
}

/** Runs the CLI; `during(child)` may act on the file while it runs. Resolves { code, signal, stdout, stderr, hung }. */
function runCli(args, during, timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => void (stdout.length < 1 << 24 && (stdout += d)));
    child.stderr.on('data', (d) => void (stderr.length < 1 << 16 && (stderr += d)));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole group: the CLI and nothing else we did not start
      } catch {}
    }, timeoutMs);
    during?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung, limitMs: timeoutMs });
    });
  });
}

const near = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** What a successful operation's output says: { rows?, sum?, words?, bytes? } (bytes: input size the run saw). */
async function answerOf(lane, op, res, seed, out) {
  if (op === 'inspect') {
    const m = /^rows\s+([\d,]+)(\s+\(exact(: the whole file was read)?\))?\s*$/m.exec(res.stdout);
    return { rows: m ? Number(m[1].replace(/,/g, '')) : undefined };
  }
  if (op === 'convert') {
    const o = await ask(lane, { ask: 'output', file: out });
    return o.ok ? { rows: o.rows, sum: o.sum } : { unreadable: o.why };
  }
  const rows = JSON.parse(res.stdout || '[]');
  const report = existsSync(`${out}.report.json`) ? JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) : undefined;
  const bytes = report?.input?.bytes;
  if (seed.kind === 'text') return { words: rows.reduce((n, r) => n + Number(r.count), 0), bytes };
  return {
    rows: rows.reduce((n, r) => n + Number(r.count), 0),
    sum: rows.reduce((n, r) => n + (r.sum_v == null ? 0 : Number(r.sum_v)), 0),
    // quiver's JSON writes a NaN sum as null, as it writes an all-null group's: either may be the NaN.
    maybeNaN: rows.some((r) => r.sum_v == null && Number(r.count) > 0),
    bytes,
  };
}

/** Classifies one operation's outcome against the references (`refs`: what the file may hold). */
async function classify(lane, op, res, seed, file, out, refs) {
  const name = path.basename(file);
  if (res.hung) return { cls: 'HANG', why: `no exit in ${(res.limitMs ?? TIMEOUT_MS) / 1000} s` };
  const err = res.stderr;
  if (res.died) return { cls: 'CRASH', why: `the runner process died (${res.signal ?? `exit ${res.code}`}): ${firstLine(err)}` };
  if (
    res.signal ||
    res.code === 70 ||
    res.code > 128 ||
    /RuntimeError: |wasm:\/\/|FATAL ERROR|Aborted|Assertion|heap out of memory|Maximum call stack/.test(err)
  ) {
    return { cls: 'CRASH', why: `exit ${res.code ?? res.signal}: ${firstLine(err)}` };
  }
  if (res.code !== 0) {
    if (!err.includes(name) || /\n\s+at .*\.m?js:\d+/.test(err)) return { cls: 'UNCLEAR', why: `exit ${res.code}: ${firstLine(err)}` };
    return { cls: 'OK-ERROR', why: firstLine(err) };
  }
  let got;
  try {
    got = await answerOf(lane, op, res, seed, out);
  } catch (e) {
    return { cls: 'WRONG', why: `exit 0 but its output does not parse: ${e.message}` };
  }
  if (got.unreadable) return { cls: 'WRONG', why: `exit 0 but DuckDB cannot read the output: ${got.unreadable}` };
  // inspect reads a sample of a text format and shows no exact count: its exit 0 promises nothing about the rest.
  if (op === 'inspect' && got.rows === undefined) return { cls: 'OK' };
  const fits = (ref) => {
    if (!ref.ok) return false;
    if (got.bytes !== undefined && ref.bytes !== undefined && got.bytes !== ref.bytes) return false;
    if (got.rows !== undefined && got.rows !== ref.rows) return false;
    if (got.words !== undefined && got.words !== ref.words) return false;
    if (ref.sum === 'NaN') {
      // A NaN among the values makes the file's sum NaN: quiver must show a NaN (or a null) sum too.
      if (got.sum !== undefined && got.sum !== 'NaN' && !got.maybeNaN) return false;
    } else if (got.sum !== undefined && ref.sum !== undefined && (got.sum === 'NaN' || !near(got.sum, ref.sum))) return false;
    return true;
  };
  if (refs.some(fits)) return { cls: 'OK' };
  const ref = refs[refs.length - 1];
  if (!ref.ok) return { cls: 'WRONG', why: `exit 0 on a file the reference rejects (${ref.why}); quiver says ${JSON.stringify(got)}` };
  return {
    cls: 'WRONG',
    why: `exit 0 with ${JSON.stringify(got)}; the file holds ${JSON.stringify({ rows: ref.rows, sum: ref.sum, words: ref.words })}${ref.by ? ` by ${ref.by}` : ''}`,
  };
}

/** CPU seconds of the child processes that have ended and been waited for (Linux /proc; 0 elsewhere). */
function childCpuSeconds() {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds of this process and of its children that have ended (Linux /proc; 0 elsewhere). */
function cpuSeconds() {
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

const firstLine = (s) => (s.split('\n').find((l) => l.trim() !== '') ?? '(no message)').slice(0, 240);

/** Runs an operation in the lane's runner process; `during()` may act on the file meanwhile. Resolves like runCli, or `died`. */
async function runInProcess(lane, op, file, seed, out, during) {
  await enter();
  during?.();
  let o;
  try {
    o = await lane.runner.ask({ op, args: command(op, file, seed, out) }, TIMEOUT_MS);
  } finally {
    active--;
  }
  if (o.state === 'answered') {
    runnerRss.push(o.answer.rss);
    // An operation that grew its runner by 256 MB or more: which file makes a reader allocate that much.
    const grew = o.answer.rss - (lane.lastRss ?? o.answer.rss);
    if (grew >= 256 * 2 ** 20) {
      const m = o.answer.mem ?? {};
      const mb = (b) => Math.round((b ?? 0) / 2 ** 20);
      rssJumps.push(
        `${path.basename(file)} (${seed.name}) ${op}: +${mb(grew)} MB to ${mb(o.answer.rss)} MB (heap ${mb(m.heapUsed)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)} MB), exit ${o.answer.code}`,
      );
    }
    lane.lastRss = o.answer.rss;
    return { code: o.answer.code, signal: null, stdout: o.answer.stdout, stderr: o.answer.stderr, hung: false };
  }
  lane.lastRss = undefined; // a new runner starts
  if (o.state === 'timeout') return { code: null, signal: 'SIGKILL', stdout: '', stderr: o.stderr, hung: true };
  return { code: o.code, signal: o.signal, stdout: '', stderr: o.stderr, hung: false, died: true };
}
const runnerRss = [];
const rssJumps = [];

/** Case `i`: a seed, a mutation and the operations, all from the PRNG seeded with (SEED, i). */
async function runCase(lane, i) {
  const r = rng(SEED * 1_000_003 + i * 7919 + 1);
  const shrink = bigSeeds.length > 0 && r.next() < 0.03;
  const seed = shrink ? r.pick(bigSeeds) : r.pick(seeds);
  const file = path.join(OUT, 'cases', `case-${i}${ext(seed.name)}`);
  const out = path.join(OUT, 'cases', `case-${i}.out.parquet`);
  let m;
  if (shrink) m = { kind: 'shrink', what: '', bytes: undefined };
  else {
    m = mutate(readFileSync(seed.file), r, seed);
    writeFileSync(file, m.bytes);
  }
  // The reference reads each mutated file once, for all its operations.
  const ref = shrink ? undefined : await referenceOf(lane, file, seed.format);
  const results = [];
  for (const op of OPS) {
    const cleanup = () => {
      rmSync(out, { force: true });
      rmSync(`${out}.report.json`, { force: true });
    };
    // One try of the operation by `run` (in the runner, or a CLI process): { res, refs }, `refs` being
    // what the file may hold. A shrink case copies the big seed again and cuts it to a fraction of its
    // size a little after the operation starts (the same cut on a re-run).
    const delay = shrink ? 20 + r.int(400) : 0;
    const keepFraction = shrink ? r.next() : 0;
    const attempt = async (run) => {
      if (!shrink) return { res: await run(), refs: [ref] };
      copyFileSync(seed.file, file);
      const keep = Math.floor(statSync(file).size * keepFraction);
      m.what = `cut to ${keep} bytes ${delay} ms after the start`;
      let timer;
      let wasCut = false;
      const res = await run(() => {
        timer = setTimeout(() => {
          truncateSync(file, keep);
          wasCut = true;
        }, delay);
      });
      // An operation that ended before its cut must not leave the timer pending: it would cut the file
      // the next operation of this case reads, at a size that operation's references do not know
      // (campaigns 3-4's cut-while-read WRONGs: 35,139 rows of a file cut to another length).
      clearTimeout(timer);
      if (!wasCut) m.what += ' (the operation ended first: not cut)';
      const whole = { ...seed.ref, bytes: statSync(seed.file).size };
      return { res, refs: wasCut ? [whole, { ...(await referenceOf(lane, file, seed.format)), bytes: keep }] : [whole] };
    };
    const args = command(op, file, seed, out);
    let { res, refs } = await attempt((during) => runInProcess(lane, op, file, seed, out, during));
    let c = await classify(lane, op, res, seed, file, out, refs);
    cleanup();
    if (c.cls === 'HANG') {
      // Under load a slow case can pass the limit: it runs again through the CLI with no other operation
      // of the campaign running and a generous limit. One that then finishes is SLOW (its wall and CPU
      // time shown, and its outcome classified); one that still does not, or that needs more CPU than
      // --timeout on its own, is a HANG.
      const solo = await alone(() => attempt((during) => runCli(args, during, SOLO_TIMEOUT_MS)));
      const sc = await classify(lane, op, solo.res, seed, file, out, solo.refs);
      cleanup();
      const how = `${(solo.wall / 1000).toFixed(1)} s wall, ${solo.cpu.toFixed(1)} s CPU at load ${solo.load.toFixed(1)}`;
      if (sc.cls === 'HANG') c = { cls: 'HANG', why: `no exit in ${TIMEOUT_MS / 1000} s, nor in ${SOLO_TIMEOUT_MS / 1000} s alone` };
      else if (solo.cpu > TIMEOUT_MS / 1000) c = { cls: 'HANG', why: `alone: ${how}, over the ${TIMEOUT_MS / 1000} s limit in CPU time` };
      else if (sc.cls === 'OK' || sc.cls === 'OK-ERROR')
        c = { cls: 'SLOW', why: `no exit in ${TIMEOUT_MS / 1000} s; alone ${sc.cls} in ${how}` };
      else c = { ...sc, why: `${sc.why} (re-run alone after a HANG: ${how})` };
      res = solo.res;
      slowTimes.push(`case ${i} ${seed.name} ${op}: ${c.cls}, ${c.why}`);
    } else if (!shrink && (i % CHECK_EVERY === 0 || (c.cls !== 'OK' && c.cls !== 'OK-ERROR'))) {
      // The CLI, one process per operation, on a sample of the cases and on every finding: the fast
      // path must classify as the CLI does (a file cut while read depends on timing, so it is not redone).
      const cliRes = await runCli(args);
      const cli = await classify(lane, op, cliRes, seed, file, out, refs);
      cleanup();
      if (cli.cls === c.cls) crossChecks.agree++;
      else crossChecks.differ.push(`case ${i} ${seed.name} ${op}: in-process ${c.cls} (${c.why ?? ''}), CLI ${cli.cls} (${cli.why ?? ''})`);
    }
    results.push({
      i,
      op,
      seed: seed.name,
      format: seed.format,
      kind: m.kind,
      what: m.what,
      ...c,
      stderr: res.stderr,
      args,
    });
  }
  return { file, results };
}
const crossChecks = { agree: 0, differ: [] };
const slowTimes = [];

// Solo re-runs (`alone`): lanes start an operation only through `enter()`, which waits while a re-run is
// pending; a re-run waits for the operations under way to end, then has the campaign to itself.
let active = 0;
let soloing = null;
async function enter() {
  while (soloing) await soloing;
  active++;
}
async function alone(body) {
  while (soloing) await soloing;
  let release;
  soloing = new Promise((resolve) => (release = resolve));
  while (active > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const load = os.loadavg()[0];
  const cpu0 = childCpuSeconds();
  const t0 = performance.now();
  try {
    return { ...(await body()), wall: performance.now() - t0, cpu: childCpuSeconds() - cpu0, load };
  } finally {
    soloing = null;
    release();
  }
}

const loadSamples = [];
let stalled = 0;
const table = new Map(); // `${format} ${op}` -> counts per class
const repros = new Map(); // signature -> { size, ... }
const started = performance.now();
// --first N starts at case N: `--first 21 --cases 22` runs case 21 alone, as the campaign made it.
const FIRST = Number(flag('first', 0));
let next = FIRST;
let done = 0;

/** The results so far as markdown; also written to <out>/table.md every 25 cases, so a run that is killed leaves its table. */
function tableLines(total = Object.fromEntries(CLASSES.map((c) => [c, 0]))) {
  const seconds = (performance.now() - started) / 1000;
  const lines = [
    `node bench/fuzz.mjs --cases ${CASES} --seed ${SEED} --timeout ${TIMEOUT_MS / 1000} --formats ${FORMATS.join(',')} --ops ${OPS.join(',')}`,
    '',
    `${done}${done < CASES - FIRST ? ` (stopped early, of ${CASES - FIRST})` : ''} mutated files from ${seeds.length} seeds (+${bigSeeds.length} cut while read), ${[...table.values()].reduce((n, c) => n + CLASSES.reduce((k, x) => k + c[x], 0), 0)} runs, ${seconds.toFixed(0)} s on ${os.availableParallelism()} cores, ${PARALLEL} cases at a time, Node ${process.version}`,
    '',
    `| format | operation | ${CLASSES.join(' | ')} |`,
    `|---|---|${CLASSES.map(() => '---:').join('|')}|`,
  ];
  for (const key of [...table.keys()].sort()) {
    const [format, op] = key.split(' ');
    const c = table.get(key);
    for (const x of CLASSES) total[x] += c[x];
    lines.push(`| ${format} | ${op} | ${CLASSES.map((x) => c[x]).join(' | ')} |`);
  }
  lines.push(`| **all** | | ${CLASSES.map((x) => `**${total[x]}**`).join(' | ')} |`);
  const cpu = cpuSeconds();
  const loads = loadSamples.length ? loadSamples : [os.loadavg()[0]];
  const mb = (b) => `${Math.round(b / 2 ** 20)} MB`;
  lines.push(
    '',
    `- load average (1 min, sampled every 25 cases): min ${Math.min(...loads).toFixed(1)}, mean ${(loads.reduce((a, b) => a + b, 0) / loads.length).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}`,
    `- CPU time: ${cpu.toFixed(0)} s (this process and every child process that has ended: runners, references, CLI cross-checks; seeds included), ${done ? (cpu / done).toFixed(2) : '-'} s a case`,
    `- operations ran in ${PARALLEL} long-lived runner processes (bench/fuzz-runner.mjs, one Engine of 2 workers each, stallTimeoutMs ${STALL_MS} ms); runner processes started: ${lanes.reduce((n, l) => n + l.runner.started, 0)} (one per lane, plus one after each CRASH or HANG)`,
    `- runner RSS after an operation: first ${runnerRss.length ? mb(runnerRss[0]) : '-'}, median ${runnerRss.length ? mb([...runnerRss].sort((a, b) => a - b)[runnerRss.length >> 1]) : '-'}, max ${runnerRss.length ? mb(Math.max(...runnerRss)) : '-'}, last ${runnerRss.length ? mb(runnerRss[runnerRss.length - 1]) : '-'}`,
    `- operations that grew their runner's RSS by 256 MB or more: ${rssJumps.length}${rssJumps.length ? ':' : ''}`,
    ...rssJumps.slice(0, 20).map((d) => `  - ${d}`),
    `- OK-ERROR from the watchdog (a reader that stopped making progress): ${stalled}`,
    `- CLI cross-checks (every ${CHECK_EVERY}th case and every finding, one CLI process per operation): ${crossChecks.agree} agree, ${crossChecks.differ.length} differ${crossChecks.differ.length ? ':' : ''}`,
    ...crossChecks.differ.slice(0, 30).map((d) => `  - ${d}`),
    `- reference reader crashes or timeouts (the file then counts as rejected by the reference): ${refCrashes}`,
    `- HANGs re-run alone through the CLI (limit ${SOLO_TIMEOUT_MS / 1000} s): ${slowTimes.length}${slowTimes.length ? ':' : ''}`,
    ...slowTimes.slice(0, 30).map((d) => `  - ${d}`),
  );
  if (repros.size > 0) {
    lines.push('', `Reproducers in ${path.join(OUT, 'repro')}:`, '');
    for (const r of repros.values()) lines.push(`- ${r.cls} ${r.name} (${r.kind}: ${r.what}): ${r.why}`);
  }
  return lines;
}

// SIGTERM / SIGINT: no new cases; the ones under way finish and the table covers the cases done.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void (stopping = true));

async function runLane(lane) {
  for (let i; !stopping && (i = next++) < CASES; ) {
    const { file, results } = await runCase(lane, i);
    let keep = false;
    for (const res of results) {
      const key = `${res.format} ${res.op}`;
      if (!table.has(key)) table.set(key, Object.fromEntries(CLASSES.map((c) => [c, 0])));
      table.get(key)[res.cls]++;
      if (res.cls === 'OK-ERROR' && /stopped making progress|was cancelled and its worker replaced/.test(res.why)) stalled++;
      if (res.cls === 'OK' || res.cls === 'OK-ERROR') continue;
      const shape = res.why
        .replace(/\d+/g, 'N')
        .replace(/case-N\S*/g, 'F')
        .slice(0, 120);
      const sig = `${res.cls}|${res.format}|${res.op}|${shape}`;
      const size = existsSync(file) ? statSync(file).size : 0;
      const prev = repros.get(sig);
      if (!prev || size < prev.size) {
        const name = `${res.cls.toLowerCase()}-${res.format}-${res.op}-${res.i}${ext(res.seed)}`;
        if (existsSync(file)) copyFileSync(file, path.join(OUT, 'repro', name));
        writeFileSync(
          path.join(OUT, 'repro', `${name}.json`),
          JSON.stringify({ ...res, command: `quiver ${res.args.join(' ')}`, stderr: res.stderr.slice(0, 4000) }, null, 1),
        );
        if (prev)
          rmSync(path.join(OUT, 'repro', prev.name), { force: true }),
            rmSync(path.join(OUT, 'repro', `${prev.name}.json`), { force: true });
        repros.set(sig, { size, name, ...res });
      }
      keep = true;
      process.stderr.write(`\n${res.cls} case ${res.i} ${res.seed} ${res.op} (${res.kind}: ${res.what}): ${res.why}\n`);
    }
    if (!keep) rmSync(file, { force: true });
    done++;
    if (done % 25 === 0) loadSamples.push(os.loadavg()[0]);
    if (done % 25 === 0) writeFileSync(path.join(OUT, 'table.md'), tableLines().join('\n') + '\n');
    if (process.stderr.isTTY || done % 50 === 0)
      process.stderr.write(`\rfuzz: ${done}/${CASES} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

// --minutes M: no new case after M minutes (the table then says how many ran).
const MINUTES = Number(flag('minutes', Infinity));
if (Number.isFinite(MINUTES)) setTimeout(() => void (stopping = true), MINUTES * 60_000).unref();
await Promise.all(lanes.map(runLane));
await Promise.all(lanes.flatMap((l) => [l.runner.close(), l.reference.close()])); // exited: their CPU time is counted
process.stderr.write('\n');
const total = Object.fromEntries(CLASSES.map((c) => [c, 0]));
const lines = tableLines(total);
console.log(lines.join('\n'));
process.exitCode = total.CRASH + total.HANG + total.UNCLEAR + total.WRONG > 0 ? 1 : 0;
