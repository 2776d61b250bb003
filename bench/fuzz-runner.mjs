// A long-lived child of bench/fuzz.mjs that runs many `inspect`, `run` and `convert` operations
// in-process, on one Engine, instead of one CLI process each (three per case, 2.5-2.8 s a case at
// load 20: far too slow for the 5,000 cases in 30 minutes). What it runs is the CLI's own
// code: `inspect` is the CLI command itself (commander), `run` and `convert` are the library calls
// the CLI commands make (engine.run, convertFiles) with the same options, their stdout is printed as
// the CLI prints it, and a failure goes through the CLI's error report (src/cli/report-error.ts), so
// the same exit code and message come back. Each operation comes as the CLI command line the parent
// would run (bench/fuzz.mjs `command`), parsed by the CLI's own command definitions (`defineRunCommand`,
// `defineConvertCommand`), so job, params, batch rows and the rest are stated once. A crash of this
// process (signal, abort, out of memory) is its operation's CRASH and a timeout its HANG: the parent
// kills it and starts another.
//
// Protocol (IPC): { id, op, args } -> { id, code, stdout, stderr, rss }.
// Env: QUIVER_DIST (the dist/ to load), FUZZ_STALL_MS (the Engine's stallTimeoutMs).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = process.env.QUIVER_DIST ?? path.resolve(import.meta.dirname, '../dist');
const load = (p) => import(pathToFileURL(path.join(DIST, 'src', p)).href);
const { Engine } = await load('index.js');
const { convertFiles } = await load('coordinator/convert-files.js');
const { registerInspect } = await load('cli/inspect.js');
const { reportError } = await load('cli/report-error.js');
const { defineRunCommand, printResult, runOptionsFromFlags } = await load('cli/run.js');
const { reliabilityFromFlags } = await load('cli/reliability.js');
const { convertFromFlags, defineConvertCommand } = await load('cli/convert.js');
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

/** The commands, as the CLI defines them, with actions that use this process's Engine. */
const COMMANDS = {
  inspect: (program) => registerInspect(program),
  run: (program) =>
    defineRunCommand(program).action(async (job, o) => {
      const r = reliabilityFromFlags(o);
      const { workers: _, ...options } = runOptionsFromFlags(o);
      const { table, report } = await engine.run(job, { ...options, maxBadRecords: r.maxBadRecords });
      printResult(table, o.format, o.limit);
      if (o.jsonReport) (await import('node:fs')).writeFileSync(o.jsonReport, JSON.stringify(report));
    }),
  convert: (program) =>
    defineConvertCommand(program).action(async (args, o) => {
      const { inputs, out, options } = convertFromFlags(args, o);
      await convertFiles(inputs, out, { ...options, engine });
    }),
};

process.on('message', async (m) => {
  const res = await captured(async () => {
    const program = new Command().exitOverride();
    COMMANDS[m.op](program);
    await program.parseAsync(m.args, { from: 'user' });
  });
  const mem = process.memoryUsage();
  process.send({ id: m.id, ...res, rss: mem.rss, mem });
});
process.send({ ready: true });
