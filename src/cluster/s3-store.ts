import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { UsageError } from '../errors.js';
import { makeS3Client } from '../io/s3-client.js';
import { byteLengthOf, checkKey, StoreMissingError, type Store } from './store.js';

/**
 * A store in any S3-compatible service, `s3://bucket/prefix`. The client is the one `s3://` inputs
 * use (io/s3-client.ts): endpoint, region and credentials from the usual AWS environment variables.
 * A PUT is atomic in S3: readers see the old object, or the whole new one.
 */
export class S3Store implements Store {
  readonly url: string;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly client: S3Client;

  constructor(url: string) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
    if (!m) throw new UsageError(`--store ${url} is not an s3:// URL (write s3://bucket/prefix)`);
    this.url = url;
    this.bucket = m[1]!;
    this.prefix = m[2] ? m[2].replace(/\/?$/, '/') : '';
    this.client = makeS3Client();
  }

  private keyOf(key: string): string {
    return this.prefix + checkKey(key);
  }

  async put(key: string, parts: Uint8Array | Uint8Array[]): Promise<void> {
    const list = Array.isArray(parts) ? parts : [parts];
    const body = list.length === 1 ? list[0]! : Buffer.concat(list, byteLengthOf(list));
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Body: body }));
  }

  async get(key: string): Promise<Uint8Array> {
    return (await this.read(key)).bytes;
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (end <= start) return new Uint8Array(0);
    const { bytes, ranged } = await this.read(key, `bytes=${start}-${end - 1}`);
    // A server that ignores the range (s3rver does for bytes=0-0) sends the whole object.
    return ranged ? bytes.subarray(0, end - start) : bytes.subarray(start, end);
  }

  private async read(key: string, range?: string): Promise<{ bytes: Uint8Array; ranged: boolean }> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key), Range: range }));
      return { bytes: await r.Body!.transformToByteArray(), ranged: r.ContentRange !== undefined };
    } catch (e) {
      if (isMissing(e)) throw new StoreMissingError(this.url, key);
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
      return true;
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key.slice(this.prefix.length));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(key) }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = await this.list(prefix);
    // DeleteObjects takes at most 1000 keys a request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.prefix + k })), Quiet: true } }),
      );
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}
