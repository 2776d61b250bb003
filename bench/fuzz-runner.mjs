// A long-lived child of bench/fuzz.mjs that runs many `inspect`, `run` and `convert` operations
// in-process, on one Engine, instead of one CLI process each (three per case, 2.5-2.8 s a case at
// load 20: far too slow for the 5,000 cases in 30 minutes). What it runs is the CLI's own
// code: `inspect` is the CLI command itself (commander), `run` and `convert` are the library calls
// the CLI commands make (engine.run, convertFiles) with the same options, their stdout is printed as
// the CLI prints it, and a failure goes through the CLI's error report (src/cli/report-error.ts), so
// the same exit code and message come back. A crash of this process (signal, abort, out of memory)
// is its operation's CRASH and a timeout its HANG: the parent kills it and starts another.
//
// Protocol (IPC): { id, op, file, kind, out } -> { id, code, stdout, stderr, rss }.
// Env: QUIVER_DIST (the dist/ to load), FUZZ_STALL_MS (the Engine's stallTimeoutMs).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = process.env.QUIVER_DIST ?? path.resolve(import.meta.dirname, '../dist');
const load = (p) => import(pathToFileURL(path.join(DIST, 'src', p)).href);
const { Engine } = await load('index.js');
const { convertFiles } = await load('coordinator/convert-files.js');
const { registerInspect } = await load('cli/inspect.js');
const { reportError } = await load('cli/report-error.js');
const { paramsFromArgs } = await load('job/params.js');
const { tableToNdjsonLines } = await load('io/text-formats.js');
const { Command } = await import('commander');

const engine = new Engine({ workers: 2, stallTimeoutMs: Number(process.env.FUZZ_STALL_MS ?? 120_000) });
await engine.ready();

/** Runs `body` with process.stdout/stderr writes captured (one operation at a time, so this is safe). */
async function captured(body) {
  const out = [];
  const err = [];
  const { write: w1 } = process.stdout;
  const { write: w2 } = process.stderr;
  const grab = (into) => (chunk, enc, cb) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    (typeof enc === 'function' ? enc : cb)?.();
    return true;
  };
  process.stdout.write = grab(out);
  process.stderr.write = grab(err);
  let code = 0;
  try {
    await body();
  } catch (e) {
    code = reportError(e);
  } finally {
    // Worker threads' stderr arrives a tick later.
    await new Promise((r) => setImmediate(r));
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const OPS = {
  async inspect({ file }) {
    const program = new Command().exitOverride();
    registerInspect(program);
    await program.parseAsync(['inspect', file], { from: 'user' });
  },
  async run({ file, kind, out }) {
    const job = kind === 'text' ? 'wordcount' : 'groupby';
    const params = paramsFromArgs(kind === 'text' ? [] : ['by=g', 'agg=count,sum:v']);
    const { table, report } = await engine.run(job, { input: [file], params, batchRows: 64 });
    // As `quiver run -f json` prints it.
    process.stdout.write('[');
    let first = true;
    for (const chunk of tableToNdjsonLines(table, ',\n')) {
      process.stdout.write((first ? '\n' : '') + chunk);
      first = false;
    }
    process.stdout.write(']\n');
    (await import('node:fs')).writeFileSync(`${out}.report.json`, JSON.stringify(report));
  },
  async convert({ file, out }) {
    await convertFiles([file], out, { overwrite: true, engine });
  },
};

process.on('message', async (m) => {
  const res = await captured(() => OPS[m.op](m));
  const mem = process.memoryUsage();
  process.send({ id: m.id, ...res, rss: mem.rss, mem });
});
process.send({ ready: true });
