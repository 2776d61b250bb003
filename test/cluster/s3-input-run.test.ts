import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { useLocalCluster } from '../helpers/local-cluster.js';
import { referenceWordCount, wordCountsOfCsv } from '../helpers/reference.js';
import { startS3, useS3Env, type LocalS3 } from '../helpers/s3.js';

// Cluster workers reading their splits of an s3:// input with ranged GETs (the store is a shared folder).
let s3: LocalS3;
const cluster = useLocalCluster('quiver-cluster-s3-input-', {
  workers: 2,
  async setUp() {
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
  },
  tearDown: () => s3?.stop(),
});
const corpus = path.join(cluster.dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(600_000, 13)].join(''));

it('counts the words of an s3:// prefix on cluster workers like a plain loop', async () => {
  const out = path.join(cluster.dir, 'out.csv');
  const input = `s3://${s3.bucket}/in/`;
  const r = await runCli(['run', 'wordcount', '--input', input, '--split-size', '64KB', '-o', out, ...cluster.args()]);
  expect(r.status).toBe(0);
  expect(wordCountsOfCsv(out)).toEqual(referenceWordCount(readFileSync(corpus, 'utf8')));
}, 60_000);
