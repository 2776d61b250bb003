// Library soak with corrupt inputs: 1,000 small runs on one Engine, a tenth of them on corrupt files of
// every format (Arrow file and stream, Parquet, NDJSON, .gz, .zst: test/fixtures/corrupt and a cut
// Parquet file), every other run checked against a plain computation; RSS after each run.
//
// Hypothesis: a corrupt input fails its run naming the file and leaves nothing behind: every later run
// is right, and RSS (the coordinator and its worker threads) stays flat after warm-up.
//
// Run: npm run build && node --expose-gc bench/soak-corrupt.mjs [runs=1000]
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Engine } from '../dist/src/index.js';

const RUNS = Number(process.argv[2] ?? 1000);
const CORRUPT = path.resolve(import.meta.dirname, '../test/fixtures/corrupt');
const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-soak-corrupt-'));
const gc = globalThis.gc ?? (() => undefined);

// A CSV with nulls, and its answer by a plain loop.
const groups = ['alpha', 'beta', 'gamma', null];
const lines = ['id,g,v'];
const want = new Map();
for (let i = 0; i < 3000; i++) {
  const g = groups[i % 4];
  const v = i % 7 === 3 ? null : (i % 101) / 4;
  lines.push(`${i},${g ?? ''},${v ?? ''}`);
  const w = want.get(g) ?? { count: 0, sum: 0 };
  w.count++;
  w.sum += v ?? 0;
  want.set(g, w);
}
const csv = path.join(dir, 'good.csv');
writeFileSync(csv, lines.join('\n') + '\n');
const con = await (await DuckDBInstance.create(':memory:')).connect();
const parquet = path.join(dir, 'good.parquet');
await con.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 500)`);
const cut = path.join(dir, 'cut.parquet');
const bytes = readFileSync(parquet);
writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
const corrupt = [
  cut,
  ...readdirSync(CORRUPT)
    .filter((f) => /\.(arrow|arrows|gz|zst)$/.test(f) || f === 'deep.ndjson')
    .map((f) => path.join(CORRUPT, f)),
];

const engine = new Engine({ workers: 2, stallTimeoutMs: 10_000 });
const rss = [];
// The main thread's own parts of it: V8 heap, external memory and ArrayBuffers (worker threads are in rss only).
const main = [];
// Each worker thread's heap, external and ArrayBuffer memory, by a job that reads them in the worker (bench/jobs/heap-probe.ts).
const probes = new Map();
const probeEvery = Math.max(1, Math.floor(RUNS / 10));
let failedAsExpected = 0;
const ranAnyway = new Set();
for (let i = 0; i < RUNS; i++) {
  if (i % 10 === 3) {
    const input = corrupt[Math.floor(i / 10) % corrupt.length];
    const job = /\.(txt|gz|zst)/.test(input) && !input.includes('.csv') ? 'wordcount' : 'groupby';
    try {
      await engine.run(job, { input, params: job === 'groupby' ? { by: input.endsWith('.ndjson') ? 'b' : 'g' } : {} });
      ranAnyway.add(path.basename(input)); // its defect is in a column this job does not read
    } catch (e) {
      if (!String(e.message).includes(path.basename(input))) throw new Error(`run ${i}: the error names no file: ${e.message}`);
      failedAsExpected++;
    }
  } else {
    const { table } = await engine.run('groupby', { input: i % 2 ? csv : parquet, params: { by: 'g', agg: 'count,sum:v' } });
    for (let r = 0; r < table.numRows; r++) {
      const g = table.getChild('g').get(r);
      const w = want.get(g ?? null);
      if (Number(table.getChild('count').get(r)) !== w.count || Math.abs(Number(table.getChild('sum_v').get(r)) - w.sum) > 1e-6)
        throw new Error(`run ${i}: wrong answer for group ${g}`);
    }
  }
  gc();
  rss.push(process.memoryUsage().rss);
  main.push(process.memoryUsage());
  if (i % probeEvery === 0 || i === RUNS - 1) {
    const { value } = await engine.run(path.join(import.meta.dirname, 'jobs/heap-probe.ts'), { input: csv, splitSize: '8KB' });
    probes.set(i, Object.values(value));
  }
}
await engine.close();
const mb = (b) => (b / 2 ** 20).toFixed(1);
console.log(
  `${RUNS} runs on one Engine (2 workers): ${failedAsExpected} failed on corrupt files, each naming its file; ` +
    `corrupt files whose defect the job did not read, so the run succeeded: ${[...ranAnyway].join(', ') || 'none'}; every other run right`,
);
console.log(
  '| runs done | RSS (MB) | main heap used (MB) | main external (MB) | main array buffers (MB) | worker heaps used (MB) | worker external (MB) |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|',
);
const each = (k, key) => (probes.get(k) ?? []).map((p) => mb(p[key])).join(', ');
const row = (k) =>
  `| ${k + 1} | ${mb(rss[k])} | ${mb(main[k].heapUsed)} | ${mb(main[k].external)} | ${mb(main[k].arrayBuffers)} | ${each(k, 'heapUsed')} | ${each(k, 'external')} |`;
for (const k of probes.keys()) console.log(row(k));
rmSync(dir, { recursive: true, force: true });
