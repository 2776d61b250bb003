// Scale-out overhead (issue 23): the same jobs on a local engine of 2 worker threads and on a cluster
// of 2 `quiver worker` processes × 1 thread over loopback Redis and a file:// store, side by side.
//
// Hypothesis: on one machine the cluster costs little over local threads: tasks are messages of a
// few hundred bytes, map outputs go through the page cache of the store folder, and BullMQ's scripts
// take well under a millisecond each, so cluster time stays within 1.3× of local time. The cluster
// skips per-worker combining (each map task writes its own output) and polls stage progress every
// 50 ms, which is where any gap should come from. q1 and q5 run the built-in `groupby`, a driver whose
// keyed step runs as a map and a reduce stage through the same pipeline as a local run. Outputs are checked byte for byte against the
// local run's, inside each round. Redis commands per task (INFO stats) and store bytes are reported.
//
//   node bench/cluster.mjs [--mb 200] [--rows 2000000] [--rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, ROOT } from './data.mjs';
import { fmtMs, fmtX, header, machine, mdTable, median, progress, timeProcess, writeResults } from './lib.mjs';

const num = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const mb = num('mb', 200);
const rows = num('rows', 2_000_000);
const rounds = num('rounds', 3);
const scale = mb === 200 && rows === 2_000_000 ? 'full' : 'custom';
const m = machine();
const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-bench-cluster-'));
const socket = path.join(dir, 'redis.sock');
const cluster = `unix://${socket}`;
const store = pathToFileURL(path.join(dir, 'store')).href;
const children = [];

function start(cmd, args) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return child;
}
const redisCli = (...args) => spawnSync('redis-cli', ['-s', socket, ...args], { encoding: 'utf8' }).stdout;
const commands = () => Number(/total_commands_processed:(\d+)/.exec(redisCli('info', 'stats'))[1]);

/** Byte-identical outputs; with float aggregates, the same keys and numbers within 1e-9 relative. */
function checkSame(c, local, clustered) {
  if (local === clustered) return;
  const a = local.trim().split('\n');
  const b = clustered.trim().split('\n');
  const close = (x, y) => x === y || Math.abs(Number(x) - Number(y)) <= 1e-9 * Math.max(1, Math.abs(Number(x)));
  const same =
    c.floats &&
    a.length === b.length &&
    a.every((line, i) => {
      const xs = line.split(',');
      const ys = b[i].split(',');
      return xs.length === ys.length && xs.every((x, j) => close(x, ys[j]));
    });
  if (!same) throw new Error(`${c.name}: the cluster's output differs from the local run's`);
}

try {
  progress(`generating ${mb} MB of text and ${rows.toLocaleString('en-US')} groupby rows`);
  const text = path.join(dir, 'corpus.txt');
  const g = path.join(dir, 'g1.parquet');
  spawnSync(process.execPath, [CLI, 'datasets', 'generate', 'text', '--mb', String(mb), '-o', text], { stdio: 'inherit' });
  const arrow = path.join(dir, 'g1.arrow');
  spawnSync(process.execPath, [CLI, 'datasets', 'generate', 'groupby', '--rows', String(rows), '-o', arrow], { stdio: 'inherit' });
  spawnSync(process.execPath, [CLI, 'convert', arrow, g], { stdio: 'inherit' });
  start('redis-server', ['--port', '0', '--save', '', '--appendonly', 'no', '--unixsocket', socket, '--dir', dir]);
  for (let t = Date.now(); !redisCli('ping').includes('PONG'); ) if (Date.now() - t > 10_000) throw new Error('redis-server did not start');
  const workers = [0, 1].map(() =>
    start(process.execPath, [CLI, 'worker', '--cluster', cluster, '--store', store, '--threads', '1', '-q']),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.stdout.once('data', resolve))));

  const cases = [
    { name: 'word count', args: ['wordcount', '--input', text] },
    { name: 'db-benchmark q1 (sum v1 by id1)', args: ['groupby', '--input', g, '-p', 'by=id1', '-p', 'agg=sum:v1'] },
    // v3 is a float: map outputs combine in another order than per-worker combining does, so its sums may differ in the last bits.
    {
      name: 'db-benchmark q5 (sum v1:v3 by id6)',
      args: ['groupby', '--input', g, '-p', 'by=id6', '-p', 'agg=sum:v1,sum:v2,sum:v3'],
      floats: true,
    },
  ];
  const results = [];
  for (const c of cases) {
    const times = { local: [], cluster: [] };
    let perTask = 0;
    let storeLine = '';
    for (let r = 0; r < rounds; r++) {
      const out = { local: path.join(dir, 'local.csv'), cluster: path.join(dir, 'cluster.csv') };
      const local = await timeProcess([CLI, 'run', ...c.args, '--workers', '2', '-o', out.local, '--overwrite']);
      const before = commands();
      const clustered = await timeProcess([
        CLI,
        'run',
        ...c.args,
        '--cluster',
        cluster,
        '--store',
        store,
        '-o',
        out.cluster,
        '--overwrite',
      ]);
      const used = commands() - before;
      checkSame(c, readFileSync(out.local, 'utf8'), readFileSync(out.cluster, 'utf8'));
      // Driver runs (groupby) add their steps' tasks up in the same line.
      const tasks = /tasks: (\d+) map\S* \+ (\d+) reduce/.exec(clustered.stderr);
      perTask = used / (Number(tasks[1]) + Number(tasks[2]));
      storeLine = /store: ([^\n]+)/.exec(clustered.stderr)[1];
      times.local.push(local.ms);
      times.cluster.push(clustered.ms);
      progress(`${c.name}: local ${fmtMs(local.ms)} ms, cluster ${fmtMs(clustered.ms)} ms`);
    }
    const lm = median(times.local);
    const cm = median(times.cluster);
    results.push({ name: c.name, localMs: lm, clusterMs: cm, ratio: cm / lm, redisCommandsPerTask: perTask, store: storeLine, times });
  }
  const loadEnd = os.loadavg();
  const md = [
    ...header(
      'Cluster vs local threads on one machine',
      'cluster time ≤ 1.3× local time (see the header of bench/cluster.mjs)',
      m,
      loadEnd,
    ),
    `Input: ${mb} MB of text, ${rows.toLocaleString('en-US')}-row db-benchmark G1 table as Parquet. Local: \`quiver run --workers 2\`. Cluster: 2 \`quiver worker --threads 1\` processes, Redis 7 on a unix socket, a file:// store in /tmp. Medians of ${rounds} interleaved rounds, wall time of the CLI process; outputs checked in every round: byte-identical, except float sums (q5's v3), equal within 1e-9 relative.`,
    '',
    ...mdTable(
      ['job', 'local (ms)', 'cluster (ms)', 'cluster ÷ local', 'Redis commands per task', 'store traffic'],
      results.map((r) => [r.name, fmtMs(r.localMs), fmtMs(r.clusterMs), fmtX(r.ratio), r.redisCommandsPerTask.toFixed(0), r.store]),
    ),
    '',
    "Redis commands include those run inside BullMQ's Lua scripts, the coordinator's 50 ms progress polls, heartbeats and cancel checks.",
  ];
  writeResults('cluster', scale, md, { machine: m, loadEnd, mb, rows, rounds, results });
} finally {
  for (const c of children) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  rmSync(dir, { recursive: true, force: true });
}
