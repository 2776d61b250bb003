import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { openStore } from '../../dist/src/cluster/open-store.js';
import { runCli } from '../helpers/cli.js';
import { startRedis, type LocalRedis } from '../helpers/redis.js';
import { startS3, useS3Env, type LocalS3 } from '../helpers/s3.js';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/cluster-workers.js';
import { tempDir } from '../helpers/tmp.js';
import { referenceWordCount } from '../helpers/reference.js';

// The cluster with an s3:// store (s3rver on 127.0.0.1): bundles, plans and task outputs in a bucket.
const dir = tempDir('quiver-cluster-s3-');
const corpus = path.join(dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(1_000_000, 9)].join(''));
let s3: LocalS3;
let redis: LocalRedis;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  s3 = await startS3();
  // Workers and the CLI are children of this process: they inherit the endpoint and credentials.
  useS3Env(s3);
  redis = await startRedis();
  workers = await startWorkers(2, redis.url, `s3://${s3.bucket}/quiver`);
}, 60_000);
afterAll(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  await s3?.stop();
});

it('counts words on an s3:// store like a plain loop, and leaves only the shared bundle in the bucket', async () => {
  const store = `s3://${s3.bucket}/quiver`;
  const out = path.join(dir, 'out.csv');
  const r = await runCli([
    'run',
    'wordcount',
    '--input',
    corpus,
    '--split-size',
    '128KB',
    '-o',
    out,
    '--cluster',
    redis.url,
    '--store',
    store,
  ]);
  expect(r.stderr).toMatch(/store: [\d.]+ MB written, [\d.]+ MB read/);
  expect(r.status).toBe(0);
  const expected = referenceWordCount(readFileSync(corpus, 'utf8'));
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  expect(new Map(rows.map(([w, n]) => [w!, Number(n)]))).toEqual(expected);
  const bucket = await openStore(store);
  expect((await bucket.list('')).every((k) => k.startsWith('bundles/'))).toBe(true);
  await bucket.deletePrefix('');
  await bucket.close();
}, 60_000);
