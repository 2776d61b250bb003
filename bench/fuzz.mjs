// Fuzz campaign: quiver on mutated copies of small valid files of every input format.
//
// Hypothesis: whatever bytes a file holds, `quiver inspect`, `quiver run` and `quiver convert` either
// fail with a clear error naming the file (OK-ERROR) or succeed with the answer an independent reader
// finds in the same bytes (OK): never a crash, a hang, an error naming no file, or a wrong count.
//
//   node bench/fuzz.mjs [--cases 1000] [--seed 1] [--timeout 20] [--formats arrow,parquet,csv,...]
//                       [--ops inspect,run,convert] [--out /tmp/quiver-fuzz] [--parallel 2] [--cli dist/bundle/cli.mjs]
//                       [--first 0]
//
// Each case mutates one seed (bench/fuzz-seeds.mjs, bench/fuzz-mutate.mjs) with the seeded PRNG, so a
// case is reproduced by its number alone; about 3% of cases instead cut a bigger file while a run reads
// it. Every operation runs the built CLI (dist/bundle/cli.mjs) in its own process with a timeout, and
// is classified:
//   OK        exit 0 and the reference's row count (and v sum, word count) — DuckDB for Parquet, CSV and
//             NDJSON, flechette for Arrow, zlib / the zstd CLI and plain loops for text
//   OK-ERROR  non-zero exit with a message naming the file
//   CRASH     a signal, exit 70 (internal error), an abort or a WebAssembly trap
//   HANG      still running at --timeout
//   UNCLEAR   non-zero exit whose message names no file, or shows an internal stack
//   WRONG     exit 0 with a count or sum that differs from the reference's, or a file the reference
//             rejects as inconsistent accepted, or an output DuckDB cannot read
// Not OK cases are saved, one per (class, format, operation, message shape) and the smallest file of
// each, with the command and its stderr, to <out>/repro. The table goes to stdout (markdown).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeBigSeeds, makeSeeds, parquetOutput, referenceOf, rng } from './fuzz-seeds.mjs';
import { mutate } from './fuzz-mutate.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const flag = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const CLI = path.resolve(flag('cli', path.join(ROOT, 'dist/bundle/cli.mjs')));
const CASES = Number(flag('cases', 1000));
const SEED = Number(flag('seed', 1));
const TIMEOUT_MS = Number(flag('timeout', 20)) * 1000;
const PARALLEL = Number(flag('parallel', 2));
const FORMATS = flag('formats', 'arrow,parquet,csv,tsv,ndjson,text').split(',');
const OPS = flag('ops', 'inspect,run,convert').split(',');
const OUT = path.resolve(flag('out', path.join(os.tmpdir(), 'quiver-fuzz')));
const CLASSES = ['OK', 'OK-ERROR', 'CRASH', 'HANG', 'UNCLEAR', 'WRONG'];

rmSync(OUT, { recursive: true, force: true });
for (const d of ['seeds', 'cases', 'repro']) mkdirSync(path.join(OUT, d), { recursive: true });
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);

const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const con = await db.connect();
const seeds = (await makeSeeds(path.join(OUT, 'seeds'), CLI)).filter((s) => FORMATS.includes(s.format));
const bigSeeds = makeBigSeeds(path.join(OUT, 'seeds')).filter((s) => FORMATS.includes(s.format));
for (const s of [...seeds, ...bigSeeds]) {
  s.ref = await referenceOf(s.file, s.format, con);
  if (!s.ref.ok) throw new Error(`the reference rejects seed ${s.name}: ${s.ref.why}`);
}
const ext = (name) => name.slice(name.indexOf('.'));

/** The command line of an operation on a file. */
function command(op, file, seed, out) {
  const common = ['-w', '2'];
  if (op === 'inspect') return ['inspect', file];
  if (op === 'convert') return ['convert', file, out, '--overwrite', '-q', ...common];
  const job = seed.kind === 'text' ? ['wordcount'] : ['groupby', '-p', 'by=g', '-p', 'agg=count,sum:v'];
  return ['run', ...job, '-i', file, '-f', 'json', '-n', '1000000', '--batch-rows', '64', '--json-report', `${out}.report.json`, ...common];
}

/** Runs the CLI; `during(child)` may act on the file while it runs. Resolves { code, signal, stdout, stderr, hung }. */
function runCli(args, during) {
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
    }, TIMEOUT_MS);
    during?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung });
    });
  });
}

const near = (a, b) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** What a successful operation's output says: { rows?, sum?, words?, bytes? } (bytes: input size the run saw). */
async function answerOf(op, res, seed, out) {
  if (op === 'inspect') {
    const m = /^rows\s+([\d,]+)(\s+\(exact\))?\s*$/m.exec(res.stdout);
    return { rows: m ? Number(m[1].replace(/,/g, '')) : undefined };
  }
  if (op === 'convert') {
    const o = await parquetOutput(out, con);
    return o.ok ? { rows: o.rows, sum: o.sum } : { unreadable: o.why };
  }
  const rows = JSON.parse(res.stdout || '[]');
  const report = existsSync(`${out}.report.json`) ? JSON.parse(readFileSync(`${out}.report.json`, 'utf8')) : undefined;
  const bytes = report?.input?.bytes;
  if (seed.kind === 'text') return { words: rows.reduce((n, r) => n + Number(r.count), 0), bytes };
  return {
    rows: rows.reduce((n, r) => n + Number(r.count), 0),
    sum: rows.reduce((n, r) => n + (r.sum_v == null ? 0 : Number(r.sum_v)), 0),
    bytes,
  };
}

/** Classifies one operation's outcome against the references (`refs`: what the file may hold). */
async function classify(op, res, seed, file, out, refs) {
  const name = path.basename(file);
  if (res.hung) return { cls: 'HANG', why: `no exit in ${TIMEOUT_MS / 1000} s` };
  const err = res.stderr;
  if (
    res.signal ||
    res.code === 70 ||
    res.code > 128 ||
    /RuntimeError|unreachable|FATAL ERROR|Aborted|Assertion|heap out of memory|Maximum call stack/.test(err)
  ) {
    return { cls: 'CRASH', why: `exit ${res.code ?? res.signal}: ${firstLine(err)}` };
  }
  if (res.code !== 0) {
    if (!err.includes(name) || /\n\s+at .*\.m?js:\d+/.test(err)) return { cls: 'UNCLEAR', why: `exit ${res.code}: ${firstLine(err)}` };
    return { cls: 'OK-ERROR', why: firstLine(err) };
  }
  let got;
  try {
    got = await answerOf(op, res, seed, out);
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
    if (got.sum !== undefined && ref.sum !== undefined && !near(got.sum, ref.sum)) return false;
    return true;
  };
  if (refs.some(fits)) return { cls: 'OK' };
  const ref = refs[refs.length - 1];
  if (!ref.ok) return { cls: 'WRONG', why: `exit 0 on a file the reference rejects (${ref.why}); quiver says ${JSON.stringify(got)}` };
  return {
    cls: 'WRONG',
    why: `exit 0 with ${JSON.stringify(got)}; the file holds ${JSON.stringify({ rows: ref.rows, sum: ref.sum, words: ref.words })}`,
  };
}

const firstLine = (s) => (s.split('\n').find((l) => l.trim() !== '') ?? '(no message)').slice(0, 240);

/** Case `i`: a seed, a mutation and the operations, all from the PRNG seeded with (SEED, i). */
async function runCase(i) {
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
  const results = [];
  for (const op of OPS) {
    let refs;
    let res;
    if (shrink) {
      // The file is cut to a fraction of its size a little after the process starts.
      copyFileSync(seed.file, file);
      const delay = 20 + r.int(400);
      const keep = Math.floor(statSync(file).size * r.next());
      m.what = `cut to ${keep} bytes ${delay} ms after the start`;
      res = await runCli(command(op, file, seed, out), () => setTimeout(() => truncateSync(file, keep), delay));
      const cut = await referenceOf(file, seed.format, con);
      refs = [
        { ...seed.ref, bytes: statSync(seed.file).size },
        { ...cut, bytes: keep },
      ];
    } else {
      refs = [await referenceOf(file, seed.format, con)];
      res = await runCli(command(op, file, seed, out));
    }
    const c = await classify(op, res, seed, file, out, refs);
    results.push({
      i,
      op,
      seed: seed.name,
      format: seed.format,
      kind: m.kind,
      what: m.what,
      ...c,
      stderr: res.stderr,
      args: command(op, file, seed, out),
    });
    rmSync(out, { force: true });
    rmSync(`${out}.report.json`, { force: true });
  }
  return { file, results };
}

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
  if (repros.size > 0) {
    lines.push('', `Reproducers in ${path.join(OUT, 'repro')}:`, '');
    for (const r of repros.values()) lines.push(`- ${r.cls} ${r.name} (${r.kind}: ${r.what}): ${r.why}`);
  }
  return lines;
}

// SIGTERM / SIGINT: no new cases; the ones under way finish and the table covers the cases done.
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void (stopping = true));

async function lane() {
  for (let i; !stopping && (i = next++) < CASES; ) {
    const { file, results } = await runCase(i);
    let keep = false;
    for (const res of results) {
      const key = `${res.format} ${res.op}`;
      if (!table.has(key)) table.set(key, Object.fromEntries(CLASSES.map((c) => [c, 0])));
      table.get(key)[res.cls]++;
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
    if (done % 25 === 0) writeFileSync(path.join(OUT, 'table.md'), tableLines().join('\n') + '\n');
    if (process.stderr.isTTY || done % 50 === 0)
      process.stderr.write(`\rfuzz: ${done}/${CASES} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}

await Promise.all(Array.from({ length: PARALLEL }, lane));
process.stderr.write('\n');
const total = Object.fromEntries(CLASSES.map((c) => [c, 0]));
const lines = tableLines(total);
console.log(lines.join('\n'));
con.closeSync();
process.exitCode = total.CRASH + total.HANG + total.UNCLEAR + total.WRONG > 0 ? 1 : 0;
