// convert of a gzip bomb: a .txt.gz of about 600 KB that expands to 200 MB of text (3.5M lines).
//
// Hypothesis: `quiver convert` streams from the compressed input to the output, so its peak RSS stays
// near its start-up size plus a few batches and a Parquet row group, whatever the expanded size: under
// 300 MB here, where reading each part file whole (before) took 557 MB, and reading the .gz whole
// (before that) 1.6 GB. The output is checked: DuckDB counts its rows.
//
// Run: npm run build && node bench/convert-bomb.mjs [MB=200] [format=parquet]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';

const MB = Number(process.argv[2] ?? 200);
const FORMAT = process.argv[3] ?? 'parquet';
const CLI = path.resolve(import.meta.dirname, '../dist/bundle/cli.mjs');
const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-bomb-'));
const input = path.join(dir, 'bomb.txt.gz');
const output = path.join(dir, `bomb.${FORMAT}`);

// One line repeated: gzip -9 keeps about 1/340 of it.
const chunk = Buffer.from('the quick brown fox jumps over the lazy dog again and again\n'.repeat(1 << 14));
const gz = createGzip({ level: 9 });
const done = once(gz.pipe(createWriteStream(input)), 'finish');
let lines = 0;
for (let n = 0; n < MB * 2 ** 20; n += chunk.length) {
  lines += 1 << 14;
  if (!gz.write(chunk)) await once(gz, 'drain');
}
gz.end();
await done;

/** Peak RSS of a child process (VmHWM, sampled until it exits), in MB. */
async function peakRss(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
    } catch {}
  }, 50);
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`quiver ${args.join(' ')} exited with ${code}`);
  return peak;
}

const peak = await peakRss(['convert', input, output, '--overwrite', '-q', '-w', '2']);
const con = await (await DuckDBInstance.create(':memory:')).connect();
const reader = FORMAT === 'parquet' ? 'read_parquet' : FORMAT === 'csv' ? 'read_csv' : undefined;
const rows = reader ? Number((await con.runAndReadAll(`SELECT count(*) FROM ${reader}('${output}')`)).getRowsJS()[0][0]) : undefined;
if (rows !== undefined && rows !== lines) throw new Error(`the output holds ${rows} rows, not ${lines}`);
console.log(
  `convert ${(statSync(input).size / 1024).toFixed(0)} KB .gz -> ${MB} MB of text (${lines.toLocaleString('en-US')} lines) -> ${FORMAT}: ` +
    `peak RSS ${peak.toFixed(0)} MB (${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)})${rows === undefined ? '' : `, ${rows} rows checked by DuckDB`}`,
);
rmSync(dir, { recursive: true, force: true });
