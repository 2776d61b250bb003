import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** One request that reached the S3 server through a `CountingProxy`. */
export interface S3Request {
  method: string;
  /** The path, `/bucket/key` (path-style), with any query string. */
  path: string;
  /** The Range header, e.g. `bytes=0-8388607`, if any. */
  range?: string;
  /** Body bytes the server sent back. */
  bytes: number;
}

/** An HTTP proxy in front of an S3 server that records every request and the bytes sent back. */
export interface CountingProxy {
  endpoint: string;
  requests: S3Request[];
  stop(): Promise<void>;
}

/**
 * Starts a proxy on 127.0.0.1 that forwards every request to `target` and records it: what a reader
 * asked the server for, counted outside the code under test.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const to = new URL(target);
  const requests: S3Request[] = [];
  const server = http.createServer((req, res) => {
    const record: S3Request = { method: req.method ?? '', path: req.url ?? '', range: req.headers.range, bytes: 0 };
    requests.push(record);
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (d: Buffer) => (record.bytes += d.length));
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
