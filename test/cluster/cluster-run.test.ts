import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { useLocalCluster } from '../helpers/local-cluster.js';
import { expectClusterClean } from '../helpers/redis.js';
import { ROOT } from '../helpers/tmp.js';
import { referenceWordCount } from '../helpers/reference.js';

// A real cluster on this machine: a redis-server on a unix socket, `quiver worker` processes of one
// thread each, a file:// store, and `quiver run --cluster` as a user runs it. Every answer is checked
// against the same job run locally (byte for byte) and an independent reference.
const testCluster = useLocalCluster('quiver-cluster-', { workers: 3 });
const { dir, storeDir, store } = testCluster;
const corpus = path.join(dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(3_000_000, 7)].join(''));
const fixture = (name: string) => path.join(ROOT, 'test/fixtures/jobs', name);

const cluster = () => testCluster.args();

describe('quiver run --cluster', () => {
  it('counts words on three worker processes, byte for byte as a local run and a plain loop', async () => {
    const out = path.join(dir, 'wc-cluster.csv');
    const local = path.join(dir, 'wc-local.csv');
    const r = await runCli(['run', 'wordcount', '--input', corpus, '--split-size', '256KB', '-o', out, ...cluster()]);
    expect(r.stderr).toMatch(/cluster: 1 machine, \d worker process/);
    expect(r.status).toBe(0);
    const l = await runCli(['run', 'wordcount', '--input', corpus, '--split-size', '256KB', '-o', local, '--workers', '2']);
    expect(l.status).toBe(0);
    expect(readFileSync(out)).toEqual(readFileSync(local));
    const expected = referenceWordCount(readFileSync(corpus, 'utf8'));
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(expected.size);
    for (const row of rows.slice(0, 200)) {
      const [word, count] = row.split(',');
      expect(Number(count)).toBe(expected.get(word!));
    }
    await expectClusterClean(testCluster.redis, storeDir);
  }, 60_000);

  it('folds through the library (quiver/cluster), merging partials in the local tree order', async () => {
    const file = path.join(dir, 'x.parquet');
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    await db.run(
      `COPY (SELECT (i * 7 % 1003) / 8.0 AS x, i AS id FROM range(300000) t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 20000)`,
    );
    const { runOnCluster } = await import('quiver-engine/cluster');
    const { run } = await import('quiver-engine');
    const options = { input: file, splitSize: '64KB', params: { column: 'x' } };
    const { value, report } = await runOnCluster(fixture('sum-column.ts'), { ...options, cluster: testCluster.redis.url, store });
    const local = await run(fixture('sum-column.ts'), { ...options, workers: 2 });
    expect(report.tasks.map).toBeGreaterThan(4);
    // Same splits, same fixed merge tree: the same floating-point sum, bit for bit.
    expect(value).toEqual(local.value);
    const [want] = (await db.runAndReadAll(`SELECT count(*)::DOUBLE AS rows, sum(x)::DOUBLE AS sum FROM '${file}'`)).getRowObjects();
    expect((value as { rows: number }).rows).toBe(want!.rows);
    expect((value as { sum: number }).sum).toBeCloseTo(want!.sum as number, 6);
    await expectClusterClean(testCluster.redis, storeDir);
  }, 60_000);

  it("fails a run whose job throws with the user's file:line, exit 1, and leaves nothing behind", async () => {
    const bad = path.join(dir, 'boom.txt');
    writeFileSync(bad, 'fine\n'.repeat(5000) + 'boom here\n' + 'fine\n'.repeat(5000));
    const r = await runCli(['run', fixture('throw-in-map.ts'), '--input', bad, '--split-size', '8KB', ...cluster()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/test\/fixtures\/jobs\/throw-in-map\.ts:8:\d+ map threw RangeError: cannot count "boom here"/);
    await expectClusterClean(testCluster.redis, storeDir);
  }, 60_000);

  it('says which Redis it cannot reach, instead of waiting for it', async () => {
    const gone = `unix://${path.join(dir, 'no-such.sock')}`;
    const r = await runCli(['run', 'wordcount', '--input', corpus, '--cluster', gone, '--store', store]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`cannot reach Redis at ${gone}`);
    const w = await runCli(['worker', '--cluster', 'redis://127.0.0.1:1', '--store', store]);
    expect(w.status).toBe(2);
    expect(w.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
  }, 30_000);

  it("refuses a run whose store is not the workers' store, naming both", async () => {
    const other = pathToFileURL(path.join(dir, 'other-store')).href;
    const r = await runCli(['run', 'wordcount', '--input', corpus, '--cluster', testCluster.redis.url, '--store', other]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`a worker uses --store ${store} and the run's coordinator --store ${other}`);
    await expectClusterClean(testCluster.redis, storeDir);
  }, 30_000);

  it('lists the live workers with their threads and version', async () => {
    const r = await runCli(['cluster', 'status', '--cluster', testCluster.redis.url, '--json']);
    expect(r.status).toBe(0);
    const s = JSON.parse(r.stdout) as { workers: Array<{ pid: number; threads: number; version: string }>; runs: unknown[] };
    expect(s.workers.map((w) => w.pid).sort()).toEqual(testCluster.workers.map((w) => w.pid).sort());
    expect(
      s.workers.every((w) => w.threads === 1 && w.version === JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version),
    ).toBe(true);
  }, 30_000);
});
