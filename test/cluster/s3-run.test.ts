import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { textChunks } from '../../dist/src/datasets/text.js';
import { openStore } from '../../dist/src/cluster/open-store.js';
import { runCli } from '../helpers/cli.js';
import { useLocalCluster } from '../helpers/local-cluster.js';
import { referenceWordCount, wordCountsOfCsv } from '../helpers/reference.js';
import { startS3, useS3Env, type LocalS3 } from '../helpers/s3.js';

// The cluster with an s3:// store (s3rver on 127.0.0.1): bundles, plans and task outputs in a bucket.
let s3: LocalS3;
const cluster = useLocalCluster('quiver-cluster-s3-', {
  workers: 2,
  async setUp() {
    s3 = await startS3();
    // Workers and the CLI are children of this process: they inherit the endpoint and credentials.
    useS3Env(s3);
  },
  tearDown: () => s3?.stop(),
  store: () => `s3://${s3.bucket}/quiver`,
});
const corpus = path.join(cluster.dir, 'corpus.txt');
writeFileSync(corpus, [...textChunks(1_000_000, 9)].join(''));

it('counts words on an s3:// store like a plain loop, and leaves only the shared bundle in the bucket', async () => {
  const out = path.join(cluster.dir, 'out.csv');
  const r = await runCli(['run', 'wordcount', '--input', corpus, '--split-size', '128KB', '-o', out, ...cluster.args()]);
  expect(r.stderr).toMatch(/store: [\d.]+ MB written, [\d.]+ MB read/);
  expect(r.status).toBe(0);
  expect(wordCountsOfCsv(out)).toEqual(referenceWordCount(readFileSync(corpus, 'utf8')));
  const bucket = await openStore(cluster.store);
  expect((await bucket.list('')).every((k) => k.startsWith('bundles/'))).toBe(true);
  await bucket.deletePrefix('');
  await bucket.close();
}, 60_000);
