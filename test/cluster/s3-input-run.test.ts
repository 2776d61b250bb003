import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { startWorkers, stopWorkers, type WorkerProcess } from '../helpers/cluster-workers.js';
import { startRedis, type LocalRedis } from '../helpers/redis.js';
import { referenceWordCount } from '../helpers/reference.js';
import { startS3, useS3Env, type LocalS3 } from '../helpers/s3.js';
import { tempDir } from '../helpers/tmp.js';

// Cluster workers reading their splits of an s3:// input with ranged GETs (the store is a shared folder).
const dir = tempDir('quiver-cluster-s3-input-');
const corpus = path.join(dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(600_000, 13)].join(''));
let s3: LocalS3;
let redis: LocalRedis;
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  s3 = await startS3();
  // Workers and the CLI are children of this process: they inherit the endpoint and credentials.
  useS3Env(s3);
  const client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'in/corpus.txt', Body: readFileSync(corpus) }));
  client.destroy();
  redis = await startRedis();
  workers = await startWorkers(2, redis.url, `file://${path.join(dir, 'store')}`);
}, 60_000);
afterAll(async () => {
  await stopWorkers(workers);
  await redis?.stop();
  await s3?.stop();
});

it('counts the words of an s3:// prefix on cluster workers like a plain loop', async () => {
  const out = path.join(dir, 'out.csv');
  const store = `file://${path.join(dir, 'store')}`;
  const input = `s3://${s3.bucket}/in/`;
  const r = await runCli([
    'run',
    'wordcount',
    '--input',
    input,
    '--split-size',
    '64KB',
    '-o',
    out,
    '--cluster',
    redis.url,
    '--store',
    store,
  ]);
  expect(r.status).toBe(0);
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  expect(new Map(rows.map(([w, n]) => [w!, Number(n)]))).toEqual(referenceWordCount(readFileSync(corpus, 'utf8')));
}, 60_000);
