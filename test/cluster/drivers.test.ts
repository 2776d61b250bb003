import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { describe, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { useLocalCluster } from '../helpers/local-cluster.js';
import { expectClusterClean } from '../helpers/redis.js';

// Drivers on a cluster: groupby, join, k-means and the inverted index run their steps as stages of the
// one pipeline, on three `quiver worker` processes of one thread. Each answer is checked against the
// same command run locally on three threads (byte for byte) and, for groupby and join, DuckDB's SQL on
// files DuckDB wrote, nulls included.
let db: DuckDBConnection;
// Locks of 10 s: nothing here freezes a worker.
const testCluster = useLocalCluster('quiver-cluster-drivers-', { workers: 3, lockMs: 10_000, setUp: writeInput });
const { dir, storeDir } = testCluster;
const g = path.join(dir, 'g.parquet');

async function writeInput(): Promise<void> {
  db = await (await DuckDBInstance.create(':memory:')).connect();
  // v3 holds quarters: its sums are exact whatever order a run adds them in, so the outputs can be compared byte for byte.
  await db.run(
    `COPY (SELECT CASE WHEN i % 97 = 0 THEN NULL ELSE 'id' || lpad((i % 100)::VARCHAR, 3, '0') END AS id1,
                  (CASE WHEN i % 89 = 0 THEN NULL ELSE (i * 7919) % 5003 END)::INTEGER AS id6,
                  (CASE WHEN i % 11 = 0 THEN NULL ELSE i % 5 + 1 END)::INTEGER AS v1,
                  ((i * 31) % 15 + 1)::INTEGER AS v2,
                  (CASE WHEN i % 13 = 0 THEN NULL ELSE ((i * 17) % 400) / 4.0 END)::DOUBLE AS v3
           FROM range(300000) t(i)) TO '${g}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
  );
}

const cluster = () => testCluster.args();

/** Runs `args` on the cluster and locally on three threads, writing `name`.<ext>; both must succeed. Returns the two outputs' paths. */
async function both(name: string, ext: string, args: string[]): Promise<{ onCluster: string; local: string; stderr: string }> {
  const onCluster = path.join(dir, `${name}-cluster.${ext}`);
  const local = path.join(dir, `${name}-local.${ext}`);
  const c = await runCli(['run', ...args, '-o', onCluster, ...cluster()]);
  expect(c.stderr).toMatch(/cluster: 1 machine, \d worker process/);
  expect(c.status).toBe(0);
  const l = await runCli(['run', ...args, '-o', local, '--workers', '3']);
  expect(l.status, l.stderr).toBe(0);
  await expectClusterClean(testCluster.redis, storeDir);
  return { onCluster, local, stderr: c.stderr };
}

/**
 * `cmp`: the two files hold the same bytes. (Buffer.equals, not toEqual, which compares a Buffer
 * element by element and takes a minute on a megabyte.) On a difference, says the first line that differs.
 */
function expectSameBytes(a: string, b: string): void {
  const [x, y] = [readFileSync(a), readFileSync(b)];
  if (x.equals(y)) return;
  const [xs, ys] = [x.toString('latin1').split('\n'), y.toString('latin1').split('\n')];
  const at = xs.findIndex((line, i) => line !== ys[i]);
  expect.fail(`${a} and ${b} differ (${x.byteLength} and ${y.byteLength} bytes), first at line ${at + 1}: ${xs[at]} | ${ys[at]}`);
}

/** A query's rows as arrays of text (null as null), for comparisons that do not depend on DuckDB's number types. */
async function rowsOf(sql: string): Promise<Array<Array<string | null>>> {
  const rows = (await db.runAndReadAll(sql)).getRows();
  return rows.map((r) => r.map((v) => (v === null ? null : String(v))));
}

describe('drivers on a cluster, through the one pipeline', () => {
  it('groupby q1 (sum v1 by id1) on Parquet DuckDB wrote: byte for byte as locally, and as DuckDB sums', async () => {
    const args = ['groupby', '--input', g, '--split-size', '64KB', '--param', 'by=id1', '--param', 'agg=sum:v1'];
    const { onCluster, local, stderr } = await both('q1', 'parquet', args);
    expect(stderr).toMatch(/tasks: (\d+) map/);
    expect(Number(/tasks: (\d+) map/.exec(stderr)![1])).toBeGreaterThanOrEqual(10);
    expectSameBytes(onCluster, local);
    expect(await rowsOf(`SELECT * FROM '${onCluster}'`)).toEqual(
      await rowsOf(`SELECT id1, sum(v1) AS sum_v1 FROM '${g}' GROUP BY id1 ORDER BY id1 NULLS LAST`),
    );
  }, 120_000);

  it('groupby q1 on an Arrow IPC file Polars wrote (whose splits carry the schema message as bytes) as locally and as DuckDB', async () => {
    const arrow = path.join(dir, 'g.arrow');
    pl.readParquet(g).writeIPC(arrow);
    const args = ['groupby', '--input', arrow, '--split-size', '256KB', '--param', 'by=id1', '--param', 'agg=sum:v1'];
    const { onCluster, local } = await both('q1-arrow', 'parquet', args);
    expectSameBytes(onCluster, local);
    expect(await rowsOf(`SELECT * FROM '${onCluster}'`)).toEqual(
      await rowsOf(`SELECT id1, sum(v1) AS sum_v1 FROM '${g}' GROUP BY id1 ORDER BY id1 NULLS LAST`),
    );
  }, 120_000);

  it('groupby q5 (sum v1, v2, v3 by id6): byte for byte as locally, and as DuckDB sums', async () => {
    const args = ['groupby', '--input', g, '--split-size', '64KB', '--param', 'by=id6', '--param', 'agg=sum:v1,sum:v2,sum:v3'];
    const { onCluster, local } = await both('q5', 'parquet', args);
    expectSameBytes(onCluster, local);
    const want = await rowsOf(
      `SELECT id6, sum(v1) AS sum_v1, sum(v2) AS sum_v2, sum(v3) AS sum_v3 FROM '${g}' GROUP BY id6 ORDER BY id6 NULLS LAST`,
    );
    expect(want.length).toBeGreaterThan(5000);
    expect(await rowsOf(`SELECT * FROM '${onCluster}'`)).toEqual(want);
  }, 120_000);

  it('joins by shuffle (a cluster has no shared memory to broadcast in): the rows a local broadcast join gives, and DuckDB', async () => {
    const orders = path.join(dir, 'orders.parquet');
    const customers = path.join(dir, 'customers.parquet');
    await db.run(
      `COPY (SELECT i AS order_id, (CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 13) % 700 END)::INTEGER AS customer_id, (i % 1000) / 10.0 AS amount
             FROM range(40000) t(i)) TO '${orders}' (FORMAT parquet, ROW_GROUP_SIZE 5000)`,
    );
    await db.run(
      `COPY (SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'c' || i END AS name FROM range(600) t(i)) TO '${customers}' (FORMAT parquet)`,
    );
    const args = ['join', '--input', orders, '-p', `right=${customers}`, '-p', 'on=customer_id', '-p', 'rightOn=id', '-p', 'how=left'];
    const { onCluster, local } = await both('join', 'csv', args);
    expectSameBytes(onCluster, local);
    const [[rows]] = await rowsOf(`SELECT count(*) FROM '${orders}' o LEFT JOIN '${customers}' c ON o.customer_id = c.id`);
    expect(readFileSync(onCluster, 'utf8').trim().split('\n').length - 1).toBe(Number(rows));
    // Amounts are tenths: summed as whole tenths, so the order DuckDB adds the rows in (its threads, the
    // file's row order) cannot change the last bit of a double sum.
    const tenths = 'sum(round(amount * 10)::BIGINT)::VARCHAR';
    expect(await rowsOf(`SELECT ${tenths}, count(name) FROM read_csv('${onCluster}')`)).toEqual(
      await rowsOf(`SELECT ${tenths}, count(name) FROM '${orders}' o LEFT JOIN '${customers}' c ON o.customer_id = c.id`),
    );
  }, 120_000);

  it('runs k-means (fold steps merged in the local tree order): the same centroids, bit for bit, as locally', async () => {
    const points = path.join(dir, 'points.parquet');
    await db.run(
      `COPY (SELECT ((i * 37) % 1000) / 10.0 + (i % 4) * 200 AS x, ((i * 91) % 1000) / 10.0 AS y FROM range(30000) t(i))
       TO '${points}' (FORMAT parquet, ROW_GROUP_SIZE 3000)`,
    );
    const args = ['kmeans', '--input', points, '--split-size', '32KB', '-p', 'k=4', '-p', 'columns=x,y', '-p', 'iterations=5'];
    const { onCluster, local } = await both('kmeans', 'csv', args);
    expect(readFileSync(onCluster, 'utf8').split('\n').length).toBe(6);
    expectSameBytes(onCluster, local);
  }, 120_000);

  it('builds an inverted index (a fold, then a keyed step whose params the fold made) as locally', async () => {
    const corpus = path.join(dir, 'corpus.txt');
    writeFileSync(corpus, [...textChunks(400_000, 5)].join(''));
    const { onCluster, local } = await both('index', 'csv', ['inverted-index', '--input', corpus, '--split-size', '32KB']);
    expectSameBytes(onCluster, local);
  }, 120_000);

  it('refuses a forced broadcast join, which needs memory shared by all workers, naming the job and saying why', async () => {
    const why =
      'keeps its data in memory shared by all workers (q.shared), and the workers of a cluster are processes on other machines, which share none: run it without --cluster';
    const join = await runCli(['run', 'join', '--input', g, '-p', `right=${g}`, '-p', 'on=id1', '-p', 'strategy=broadcast', ...cluster()]);
    expect(join.status).toBe(2);
    expect(join.stderr).toContain(`job "join" ${why}`);
    await expectClusterClean(testCluster.redis, storeDir);
  }, 60_000);
});
