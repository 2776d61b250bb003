import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: s3rver ships no type declarations
import S3rver from 's3rver';

/** A local S3-compatible server (s3rver) on 127.0.0.1 with one bucket, and the env a store needs to reach it. */
export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Starts s3rver on a free port with bucket `bucket`, storing in a temp folder. */
export async function startS3(bucket = 'quiver-test'): Promise<LocalS3> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const addr = (await server.run()) as { address: string; port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  return {
    endpoint,
    bucket,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sets the AWS_* variables the S3 store reads to reach `s3`; s3rver takes these fixed credentials. */
export function useS3Env(s3: LocalS3): void {
  process.env.AWS_ENDPOINT_URL = s3.endpoint;
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
}
