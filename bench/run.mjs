// `npm run bench`: generates the data if needed, then runs every benchmark, each in its own process
// so one cannot leave garbage, JIT state or threads behind for the next. Arguments are passed on
// (e.g. `npm run bench -- --scale small`); `--only core,micro` picks benchmarks.
//
// Hypothesis: none of its own; see the header of each file. At full scale the whole suite takes
// about 10–15 minutes on a 2-core machine (the first run adds about a minute to generate the data).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { BENCH_DIR } from './data.mjs';

const BENCHMARKS = ['data', 'core', 'micro', 'peers', 'profile'];
const args = process.argv.slice(2);
const i = args.indexOf('--only');
const only = i >= 0 ? args.splice(i, 2)[1].split(',') : BENCHMARKS;
const unknown = only.filter((b) => !BENCHMARKS.includes(b));
if (unknown.length) throw new Error(`--only: unknown benchmark(s) ${unknown.join(', ')}; use ${BENCHMARKS.join(', ')}`);

const t0 = performance.now();
for (const name of BENCHMARKS.filter((b) => only.includes(b))) {
  const t = performance.now();
  process.stderr.write(`\n== bench/${name}.mjs ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [path.join(BENCH_DIR, `${name}.mjs`), ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`bench/${name}.mjs failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
  process.stderr.write(`== bench/${name}.mjs took ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
}
process.stderr.write(`\nall benchmarks took ${((performance.now() - t0) / 60000).toFixed(1)} min; results in bench/results/\n`);
