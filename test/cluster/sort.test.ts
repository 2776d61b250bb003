import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { useLocalCluster } from '../helpers/local-cluster.js';
import { expectClusterClean } from '../helpers/redis.js';
import { CLI, ROOT } from '../helpers/tmp.js';

// Sort on a cluster is TeraSort through the store: sampled range boundaries, a keyed step whose map
// sends each range's rows to its reducer and whose reducers sort their ranges. Three `quiver worker`
// processes of one thread; each output must hold the bytes of the same sort run locally, and DuckDB's
// ORDER BY on the Parquet file DuckDB wrote (nulls and repeated keys in every key column; ties broken
// by input order, as the local sort is stable).
let db: DuckDBConnection;
const testCluster = useLocalCluster('quiver-cluster-sort-', { workers: 3, lockMs: 10_000, setUp: writeInput });
const { dir, storeDir } = testCluster;
const g = path.join(dir, 'g.parquet');

async function writeInput(): Promise<void> {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  // i is the input position: the tie rule's reference. k repeats every 997 rows, s every 50.
  await db.run(
    `COPY (SELECT i,
                  (CASE WHEN i % 89 = 0 THEN NULL ELSE ((i * 7919) % 997) - 400 END)::BIGINT AS k,
                  CASE WHEN i % 61 = 0 THEN NULL ELSE 's' || ((i * 31) % 50)::VARCHAR END AS s,
                  (DATE '2020-01-01' + (i % 400)::INTEGER) AS d,
                  (CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 400) / 4.0 END)::DOUBLE AS v
           FROM range(200000) t(i)) TO '${g}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
  );
}

const cluster = () => testCluster.args();

/** A query's rows as arrays of text (null as null). */
const rows = (q: string) => db.runAndReadAll(q).then((x) => x.getRows().map((r) => r.map((v) => (v === null ? null : String(v)))));

/** Sorts by `by` locally (three threads) and on the cluster; the two files must hold the same bytes. Returns the cluster's output. */
async function sortBoth(name: string, by: string, extra: string[] = [], input = g): Promise<{ out: string; stderr: string }> {
  const args = ['run', 'sort', '--input', input, '-p', `by=${by}`, '--split-size', '256KB', ...extra];
  const out = path.join(dir, `${name}-cluster.parquet`);
  const local = path.join(dir, `${name}-local.parquet`);
  const c = await runCli([...args, '-o', out, ...cluster()]);
  expect(c.status, c.stderr).toBe(0);
  expect(c.stderr).toMatch(/cluster: 1 machine, \d worker process/);
  const l = await runCli([...args, '-o', local, '--workers', '3']);
  expect(l.status, l.stderr).toBe(0);
  expect(readFileSync(out).equals(readFileSync(local)), `${out} and ${local} differ`).toBe(true);
  await expectClusterClean(testCluster.redis, storeDir);
  return { out, stderr: c.stderr };
}

describe('sort on a cluster (TeraSort through the store)', () => {
  it('by an int64 key with nulls and repeats: the local bytes, and DuckDB’s ORDER BY k NULLS LAST with ties in input order', async () => {
    const { out, stderr } = await sortBoth('k', 'k');
    // Several map tasks (of both steps), and one reduce task per range: 3 threads × 4.
    expect(stderr).toMatch(/steps: sort-sample \(fold\) ×1 .*, sort-shuffle \(keyed\) ×1/);
    expect(Number(/tasks: (\d+) map\/fold\/fork-join \+ 12 reduce/.exec(stderr)?.[1])).toBeGreaterThan(4);
    expect(await rows(`SELECT * FROM '${out}'`)).toEqual(await rows(`SELECT * FROM '${g}' ORDER BY k NULLS LAST, i`));
  }, 120_000);

  it('by a text key: the local bytes, and DuckDB’s ORDER BY s NULLS LAST', async () => {
    const { out } = await sortBoth('s', 's');
    expect(await rows(`SELECT * FROM '${out}'`)).toEqual(await rows(`SELECT * FROM '${g}' ORDER BY s NULLS LAST, i`));
  }, 120_000);

  it('by two keys, the first descending, output columns chosen: the local bytes, and DuckDB’s ORDER BY', async () => {
    const { out } = await sortBoth('sk', 's:desc,k', ['-p', 'columns=i,s,k,d']);
    expect(await rows(`SELECT * FROM '${out}'`)).toEqual(
      await rows(`SELECT i, s, k, d FROM '${g}' ORDER BY s DESC NULLS FIRST, k NULLS LAST, i`),
    );
  }, 120_000);

  it('by decimals (18 and 38 digits), bytes, booleans, timestamps and floats: the local bytes and DuckDB’s order', async () => {
    const t = path.join(dir, 'types.parquet');
    await db.run(
      `COPY (SELECT i,
                    (CASE WHEN i % 7 = 0 THEN NULL ELSE ((i * 13) % 101) / 7 END)::DECIMAL(18,2) AS d18,
                    (CASE WHEN i % 9 = 0 THEN NULL ELSE ((i * 17) % 1001)::DECIMAL(38,4) * 1234567890123 - 10000000000 END)::DECIMAL(38,4) AS d38,
                    CASE WHEN i % 5 = 0 THEN NULL ELSE ((i % 300)::VARCHAR)::BLOB END AS b,
                    CASE WHEN i % 4 = 0 THEN NULL ELSE i % 3 = 0 END AS t,
                    TIMESTAMP '2020-01-01' + INTERVAL (i % 1000) SECOND AS ts,
                    (CASE WHEN i % 6 = 0 THEN NULL ELSE ((i * 7) % 97) / 3 END)::REAL AS f
             FROM range(60000) t(i)) TO '${t}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`,
    );
    const cases: Array<[string, string]> = [
      ['d18', 'd18 NULLS LAST'],
      ['d38:desc', 'd38 DESC NULLS FIRST'],
      ['b', 'b NULLS LAST'],
      ['t,ts:desc', 't NULLS LAST, ts DESC NULLS FIRST'],
      ['f:desc', 'f DESC NULLS FIRST'],
    ];
    for (const [by, order] of cases) {
      const { out } = await sortBoth(`types-${by.replace(/[:,]/g, '-')}`, by, [], t);
      expect(await rows(`SELECT i FROM '${out}'`), by).toEqual(await rows(`SELECT i FROM '${t}' ORDER BY ${order}, i`));
    }
  }, 240_000);

  it('carries nested columns (a list, a struct, a map) beside their rows: the local bytes, and DuckDB’s rows ORDER BY k', async () => {
    const nested = path.join(dir, 'nested.parquet');
    await db.run(
      `COPY (SELECT i, ((i * 7919) % 997)::BIGINT AS k,
                    CASE WHEN i % 7 = 0 THEN NULL ELSE [i % 5, NULL, i]::INTEGER[] END AS l,
                    CASE WHEN i % 11 = 0 THEN NULL ELSE {'x': i, 'y': 's' || i % 3} END AS st,
                    CASE WHEN i % 13 = 0 THEN NULL ELSE MAP {'k' || i % 3: i} END AS m
             FROM range(20000) t(i)) TO '${nested}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`,
    );
    const { out } = await sortBoth('nested', 'k', [], nested);
    expect(await rows(`SELECT i, l, st, m FROM read_parquet('${out}')`)).toEqual(
      await rows(`SELECT i, l, st, m FROM read_parquet('${nested}') ORDER BY k, i`),
    );
  });

  it('all keys equal: the boundaries split them by input position over 5 ranges, and the output keeps input order', async () => {
    const same = path.join(dir, 'same.parquet');
    await db.run(`COPY (SELECT i, 7::INTEGER AS c FROM range(50000) t(i)) TO '${same}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`);
    const { out, stderr } = await sortBoth('same', 'c', ['-p', 'ranges=5'], same);
    expect(stderr).toContain('+ 5 reduce');
    expect(await rows(`SELECT * FROM '${out}'`)).toEqual(await rows(`SELECT i, c FROM '${same}' ORDER BY i`));
  }, 120_000);

  it('a worker SIGKILLed during its second task: its task runs again, and the output is the same bytes', async () => {
    await testCluster.restartWorkers(3, 1000);
    const killed = testCluster.workers[0]!;
    const args = ['run', 'sort', '--input', g, '-p', 'by=v:desc,s', '--split-size', '128KB'];
    const out = path.join(dir, 'killed-cluster.parquet');
    const run = startCli([...args, '-o', out, ...cluster()]);
    await killed.waitFor(/took /, 2, 60_000);
    process.kill(killed.pid, 'SIGKILL');
    const c = await run;
    expect(c.status, c.stderr).toBe(0);
    expect(Number(/attempts: (\d+) tasks? retried/.exec(c.stderr)?.[1])).toBeGreaterThanOrEqual(1);
    testCluster.workers = testCluster.workers.slice(1);
    const local = path.join(dir, 'killed-local.parquet');
    const l = await runCli([...args, '-o', local, '--workers', '3']);
    expect(l.status, l.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(local))).toBe(true);
    await expectClusterClean(testCluster.redis, storeDir);
  }, 120_000);
});

/** Starts the CLI without waiting for it; resolves with what it did. */
function startCli(argv: string[]): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...argv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}
