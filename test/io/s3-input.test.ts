import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pl from 'nodejs-polars';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../dist/src/index.js';
import { makePlan } from '../../dist/src/planner/plan.js';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { referenceWordCount } from '../helpers/reference.js';
import { startCountingProxy, startS3, useS3Env, type CountingProxy, type LocalS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

// Inputs read from s3:// URLs (s3rver on 127.0.0.1, behind a proxy that counts what is asked of it):
// every format, a prefix and a glob of objects, the library, and the errors a user can fix. Answers
// are DuckDB's SQL over the same files read locally.
const dir = tempDir('quiver-s3-input-');
const file = (name: string) => path.join(dir, name);
let s3: LocalS3;
let proxy: CountingProxy;
let bucket: string;
let client: S3Client;
const url = (key: string) => `s3://${bucket}/${key}`;

/** 60,000 rows with nulls in every column: a text key, an int, a double. */
const TABLE = `SELECT CASE WHEN i % 53 = 0 THEN NULL ELSE 'k' || (i % 37) END AS k,
  CASE WHEN i % 41 = 0 THEN NULL ELSE ((i * 7919) % 100000)::INTEGER END AS v,
  CASE WHEN i % 29 = 0 THEN NULL ELSE (i * 0.25)::DOUBLE END AS x FROM range(60000) r(i)`;
const GROUPBY = ['-p', 'by=k', '-p', 'agg=count,sum:v,max:x'];

beforeAll(async () => {
  s3 = await startS3();
  bucket = s3.bucket;
  proxy = await startCountingProxy(s3.endpoint);
  useS3Env(s3);
  // Readers in this process (the library's worker threads) and the CLI's children go through the proxy.
  process.env.AWS_ENDPOINT_URL = proxy.endpoint;
  await duckRows(`CREATE TABLE t AS ${TABLE}`);
  await duckRows(`COPY t TO '${file('data.csv')}' (HEADER)`);
  await duckRows(`COPY t TO '${file('data.csv.gz')}' (HEADER)`);
  await duckRows(`COPY t TO '${file('data.ndjson')}' (FORMAT json)`);
  await duckRows(`COPY t TO '${file('data.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 4096)`);
  for (const [name, where] of [
    ['a.csv', 'rowid < 20000'],
    ['b.csv', 'rowid >= 20000 AND rowid < 45000'],
    ['c.csv', 'rowid >= 45000'],
  ])
    await duckRows(`COPY (SELECT * FROM t WHERE ${where}) TO '${file(name)}' (HEADER)`);
  // Polars writes the Arrow file: one record batch per row group it read.
  pl.readParquet(file('data.parquet')).writeIPC(file('data.arrow'));
  writeFileSync(file('corpus.txt'), [...textChunks(400_000, 5)].join(''));
  writeFileSync(file('_SUCCESS'), '');
  client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  const put = (key: string, name: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(file(name)) }));
  for (const name of ['data.csv', 'data.csv.gz', 'data.ndjson', 'data.parquet', 'data.arrow', 'corpus.txt']) await put(name, name);
  // Extension-less: told by its magic bytes.
  await put('blob', 'data.parquet');
  for (const name of ['a.csv', 'b.csv', 'c.csv', '_SUCCESS']) await put(`parts/${name}`, name);
}, 60_000);
afterAll(async () => {
  client?.destroy();
  await proxy?.stop();
  await s3?.stop();
});

/** DuckDB's answer to the group-by every run below computes, keyed by k ('' for null). */
async function expected(): Promise<Map<string, string>> {
  const rows = await duckRows('SELECT k, count(*) AS n, sum(v) AS s, max(x) AS m FROM t GROUP BY k');
  return new Map(rows.map((r) => [String(r.k ?? ''), `${r.n},${r.s ?? ''},${r.m === null ? '' : Number(r.m)}`]));
}

/** A group-by's CSV output as the same map. */
function answerIn(out: string): Map<string, string> {
  const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1);
  return new Map(
    lines.map((l) => {
      const [k, n, s, m] = l.split(',');
      return [k!, `${n},${s},${m === '' ? '' : Number(m)}`];
    }),
  );
}

/** Bytes of GET answers and the GET requests for one key since request `from`. */
function gets(key: string, from = 0) {
  const mine = proxy.requests.slice(from).filter((r) => r.method === 'GET' && r.path.startsWith(`/${bucket}/${key}?`));
  return { count: mine.length, bytes: mine.reduce((n, r) => n + r.bytes, 0), ranges: mine.map((r) => r.range) };
}

describe('quiver run over s3:// inputs', () => {
  for (const [name, splitFlags] of [
    ['data.csv', ['--split-size', '128KB', '--max-record-size', '16KB']],
    ['data.ndjson', ['--split-size', '256KB']],
    ['data.parquet', ['--split-size', '64KB']],
    ['data.arrow', ['--split-size', '128KB']],
    ['data.csv.gz', []],
    ['blob', ['--split-size', '64KB']],
  ] as const) {
    it(`groups ${name} read by ranged GETs as DuckDB does`, async () => {
      const out = file(`out-${name}.csv`);
      const from = proxy.requests.length;
      const r = await runCli(['run', 'groupby', '--input', url(name), ...GROUPBY, ...splitFlags, '-w', '2', '-o', out]);
      expect(r.stderr).not.toMatch(/error|warning/i);
      expect(r.status).toBe(0);
      expect(answerIn(out)).toEqual(await expected());
      const tasks = Number(/tasks: (\d+) map/.exec(r.stderr)?.[1]);
      const read = gets(name, from);
      const size = readFileSync(file(name === 'blob' ? 'data.parquet' : name)).length;
      if (name === 'data.csv.gz') {
        // One task streams the whole object; the planner's sample of it (its first MB) is all of it here.
        expect(tasks).toBe(1);
        expect(read.bytes).toBe(2 * size);
        return;
      }
      expect(tasks).toBeGreaterThanOrEqual(4);
      expect(read.count).toBeGreaterThanOrEqual(tasks);
      // Every byte was asked for about once: the planner's sample, each task's split and a look past its end.
      expect(read.bytes).toBeLessThan(size + (1 << 20) + tasks * (64 << 10));
      expect(read.ranges.every((x) => x !== undefined)).toBe(true);
    }, 60_000);
  }

  it('counts the words of a text object as a plain loop does', async () => {
    const out = file('words.csv');
    const r = await runCli(['run', 'wordcount', '--input', url('corpus.txt'), '--split-size', '128KB', '-o', out]);
    expect(r.status).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1);
    expect(new Map(rows.map((l) => [l.split(',')[0]!, Number(l.split(',')[1])]))).toEqual(
      referenceWordCount(readFileSync(file('corpus.txt'), 'utf8')),
    );
  }, 60_000);

  it('reads every object under a prefix, and those a glob matches, skipping _SUCCESS', async () => {
    for (const input of [url('parts/'), url('parts'), url('parts/*.csv'), url('**/{a,b,c}.csv')]) {
      const out = file(`parts-${proxy.requests.length}.csv`);
      const r = await runCli(['run', 'groupby', '--input', input, ...GROUPBY, '-o', out]);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('in 3 files');
      expect(answerIn(out)).toEqual(await expected());
    }
  }, 90_000);

  it('runs from the library with an s3:// input', async () => {
    const { report, table } = await run('jobs/groupby.ts', {
      input: url('data.parquet'),
      params: { by: 'k', agg: 'count' },
      splitBytes: 64 << 10,
      workers: 2,
    });
    expect(report.input.rows).toBe(60000);
    const got = new Map(table.toArray().map((row) => [String(row.k ?? ''), Number(row.count)]));
    const want = await duckRows('SELECT k, count(*) AS n FROM t GROUP BY k');
    expect(got).toEqual(new Map(want.map((w) => [String(w.k ?? ''), Number(w.n)])));
  }, 60_000);
});

describe('reading one split of an object', () => {
  it('asks only for the split, a look past its end, and no more', async () => {
    const plan = await makePlan({
      inputs: [url('data.csv')],
      workers: 2,
      splitBytes: 256 << 10,
      formatOptions: { csv: { maxRecordBytes: 16 << 10 } },
    });
    const s = plan.splits[2]!;
    if (s.kind !== 'csv') throw new Error(`expected a CSV split, got ${s.kind}`);
    const from = proxy.requests.length;
    const batches = await readSplit(s, 1 << 16);
    const read = gets('data.csv', from);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBeGreaterThan(0);
    // Its own bytes in one read-ahead block, plus 64 KB at its end to find the next split's first record.
    expect(read.bytes).toBeLessThanOrEqual(s.end - s.start + (64 << 10));
    expect(read.bytes).toBeGreaterThanOrEqual(s.end - s.start);
    for (const range of read.ranges) {
      const [a, b] = /bytes=(\d+)-(\d+)/.exec(range!)!.slice(1).map(Number);
      expect(a).toBeGreaterThanOrEqual(s.start);
      expect(b).toBeLessThan(s.end + (64 << 10));
    }
    expect(read.count).toBeLessThanOrEqual(3);
    // The plan's size stands in for a HEAD request: a task asks only for bytes.
    expect(proxy.requests.slice(from).filter((r) => r.method === 'HEAD')).toEqual([]);
  });
});

describe('a task of an NDJSON object', () => {
  it('asks for bytes only, with no HEAD, and reads its lines', async () => {
    const plan = await makePlan({ inputs: [url('data.ndjson')], workers: 2, splitBytes: 256 << 10 });
    const from = proxy.requests.length;
    const batches = await readSplit(plan.splits[1]!, 1 << 16);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBeGreaterThan(0);
    expect(proxy.requests.slice(from).filter((r) => r.method === 'HEAD')).toEqual([]);
  });
});

describe('an object gone after planning', () => {
  it('fails its task naming the URL', async () => {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'gone.csv', Body: readFileSync(file('data.csv')) }));
    const plan = await makePlan({
      inputs: [url('gone.csv')],
      workers: 2,
      splitBytes: 256 << 10,
      formatOptions: { csv: { maxRecordBytes: 16 << 10 } },
    });
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone.csv' }));
    await expect(readSplit(plan.splits[1]!, 1 << 16)).rejects.toThrow(`${url('gone.csv')} does not exist (or no longer`);
  });
});

describe('an object cut after planning', () => {
  it('fails the tasks whose splits it no longer reaches, as a cut file does', async () => {
    const whole = readFileSync(file('data.csv'));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cut.csv', Body: whole }));
    const plan = await makePlan({
      inputs: [url('cut.csv')],
      workers: 2,
      splitBytes: 256 << 10,
      formatOptions: { csv: { maxRecordBytes: 16 << 10 } },
    });
    const at = plan.splits[1]!.end - 1000;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'cut.csv', Body: whole.subarray(0, at) }));
    // The first split still lies whole inside the object: its rows are the file's first rows.
    const first = await readSplit(plan.splits[0]!, 1 << 16);
    expect(first.reduce((n, b) => n + b.numRows, 0)).toBeGreaterThan(0);
    // One ends inside the cut, one starts past it (its first GET answers 416).
    for (const i of [1, plan.splits.length - 1]) {
      const s = plan.splits[i]!;
      await expect(readSplit(s, 1 << 16)).rejects.toThrow(
        `${url('cut.csv')}: the file ends at byte ${at}, but it had ${s.end} bytes or more when the run was planned`,
      );
    }
  });
});

describe('s3:// commands other than run', () => {
  it('inspects, explains and converts objects', async () => {
    const inspect = await runCli(['inspect', url('data.parquet')]);
    expect(inspect.status).toBe(0);
    expect(inspect.stdout).toMatch(/60,?000/);
    for (const name of ['data.csv', 'data.csv.gz', 'data.ndjson', 'data.arrow']) {
      const r = await runCli(['inspect', url(name)]);
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(url(name));
      expect(r.stdout).toMatch(/\bk\b/);
    }
    const explain = await runCli(['explain', 'groupby', '--input', url('data.parquet'), ...GROUPBY, '--split-size', '64KB']);
    expect(explain.status).toBe(0);
    expect(explain.stdout).toContain(url('data.parquet'));
    const out = file('converted.parquet');
    const convert = await runCli(['convert', url('data.ndjson'), out]);
    expect(convert.status).toBe(0);
    const [got] = await duckRows(`SELECT count(*) AS n, sum(v) AS s, count(k) AS nk FROM '${out}'`);
    const [want] = await duckRows('SELECT count(*) AS n, sum(v) AS s, count(k) AS nk FROM t');
    expect(got).toEqual(want);
  }, 60_000);
});

describe('s3:// errors', () => {
  const attempt = (input: string) => runCli(['run', 'groupby', '--input', input, ...GROUPBY]);

  it('names a missing object, a missing bucket and an empty prefix, and refuses an s3:// output', async () => {
    const key = await attempt(url('nope.csv'));
    expect(key.status).toBe(1);
    expect(key.stderr).toContain(`${url('nope.csv')} does not exist`);
    const b = await attempt('s3://no-such-bucket/data.csv');
    expect(b.status).toBe(1);
    expect(b.stderr).toContain('s3://no-such-bucket/data.csv: the bucket "no-such-bucket" does not exist');
    const empty = await attempt(url('nothing/'));
    expect(empty.stderr).toContain(`${url('nothing/')} holds no objects`);
    const glob = await attempt(url('parts/*.parquet'));
    expect(glob.stderr).toContain('matches no object');
    const output = await runCli(['run', 'groupby', '--input', url('data.csv'), ...GROUPBY, '-o', url('out.csv')]);
    expect(output.status).toBe(2);
    expect(output.stderr).toContain(`--output ${url('out.csv')}: outputs are written to files, not to s3:// yet`);
  }, 60_000);

  it('says access is denied, the endpoint is unreachable or there are no credentials, and how to fix each', async () => {
    const saved = { ...process.env };
    try {
      // s3rver checks the key id, not the signature: an unknown key id is its "access denied".
      process.env.AWS_ACCESS_KEY_ID = 'nobody';
      const denied = await attempt(url('data.csv'));
      expect(denied.status).toBe(1);
      expect(denied.stderr).toContain(`${url('data.csv')}: access denied`);
      expect(denied.stderr).toContain('AWS_ACCESS_KEY_ID');
      process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
      process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1';
      const down = await attempt(url('data.csv'));
      expect(down.status).toBe(1);
      expect(down.stderr).toContain(`${url('data.csv')}: cannot reach the S3 endpoint http://127.0.0.1:1`);
      expect(down.stderr).toContain('AWS_ENDPOINT_URL');
      // No credentials anywhere (and no instance metadata service to ask).
      process.env.AWS_ENDPOINT_URL = saved.AWS_ENDPOINT_URL;
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      Object.assign(process.env, {
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: file('none'),
        AWS_SHARED_CREDENTIALS_FILE: file('none'),
      });
      const none = await attempt(url('data.csv'));
      expect(none.status).toBe(1);
      expect(none.stderr).toContain(`${url('data.csv')}: no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
    } finally {
      for (const k of ['AWS_EC2_METADATA_DISABLED', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) delete process.env[k];
      Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: saved.AWS_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: saved.AWS_SECRET_ACCESS_KEY,
        AWS_ENDPOINT_URL: saved.AWS_ENDPOINT_URL,
      });
    }
  }, 60_000);
});
