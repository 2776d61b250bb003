import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { UsageError } from '../errors.js';
import { changedWhileRead } from './input-changed.js';
import type { BlobLike, InputHandle, ReadWindow } from './input-handle.js';
import { makeS3Client, parseS3Url, s3FailureOf, s3InputError } from './s3-client.js';

/**
 * Reading `s3://` inputs with ranged GETs. Loaded lazily (it imports @aws-sdk/client-s3), by
 * io/input-source.ts and planner/s3-inputs.ts, only when an input is an `s3://` URL.
 */

/**
 * Bytes one GET asks for when reading ahead inside a task's window: large enough that a request's
 * latency (a few ms locally, 10–50 ms from S3) is small beside its transfer, as AWS advises for
 * ranged GETs (8–16 MB), and small enough that a task holds a few blocks, not its split.
 */
export const READ_AHEAD = 8 << 20;
/** The most bytes one GET asks for: a larger read is served by several, so one failure costs little. */
const MAX_GET = 64 << 20;
/** Blocks a handle keeps: the one being read, the one after it (a reader prefetches), and two more for reads issued together. */
const KEEP_BLOCKS = 4;

let client: S3Client | undefined;
/** One client per thread, made when the first object is read; its idle sockets do not keep the process alive. */
export const s3Client = (): S3Client => (client ??= makeS3Client());

/** An object of a listing or a HEAD: its URL, size, and the version stamp (size and ETag) the layout cache keys on. */
export interface S3ObjectInfo {
  url: string;
  size: number;
  stamp: string;
}

function partsOf(url: string): { bucket: string; key: string } {
  const at = parseS3Url(url);
  if (!at || at.key === '' || at.key.endsWith('/'))
    throw new UsageError(`${url} does not name an object; write s3://bucket/key (a prefix ending in / names every object under it)`);
  return at;
}

/** The size and ETag of an object, by a HEAD request. */
export async function s3Version(url: string): Promise<S3ObjectInfo> {
  const { bucket, key } = partsOf(url);
  try {
    const r = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const size = r.ContentLength ?? 0;
    return { url, size, stamp: `${size}:${r.ETag ?? ''}:${r.LastModified?.getTime() ?? ''}` };
  } catch (e) {
    throw s3InputError(url, e, `${url} does not exist (or its bucket does not); check the bucket and key`);
  }
}

/** The object at `url`, or undefined when there is none (a HEAD answered 404). */
export async function s3ObjectAt(url: string): Promise<S3ObjectInfo | undefined> {
  try {
    return await s3Version(url);
  } catch (e) {
    if (s3FailureOf((e as Error).cause) === 'no-key') return undefined;
    throw e;
  }
}

/** Every object whose key starts with `prefix` in `bucket`, in key order (ListObjectsV2, a page of 1000 at a time). */
export async function s3List(bucket: string, prefix: string, named = `s3://${bucket}/${prefix}`): Promise<S3ObjectInfo[]> {
  const out: S3ObjectInfo[] = [];
  let token: string | undefined;
  do {
    let r: ListObjectsV2CommandOutput;
    try {
      r = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    } catch (e) {
      throw s3InputError(named, e);
    }
    for (const o of r.Contents ?? []) {
      if (!o.Key) continue;
      const size = o.Size ?? 0;
      out.push({ url: `s3://${bucket}/${o.Key}`, size, stamp: `${size}:${o.ETag ?? ''}:${o.LastModified?.getTime() ?? ''}` });
    }
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * Opens an object for positional reads (see `S3ObjectReader`). No request is made until the first
 * read: a task's first GET also tells the object's size (its Content-Range), so a task given its
 * planned size (`window.plannedSize`) costs no HEAD.
 */
export async function openS3Object(url: string, window?: ReadWindow): Promise<InputHandle> {
  return new S3ObjectReader(url, window);
}

/** A block of an object: bytes `[start, end)` asked for by one GET (fewer arrive at the object's end). */
interface Block {
  start: number;
  end: number;
  bytes: Promise<Uint8Array>;
}

/**
 * Positional reads of one object through ranged GETs (`Range: bytes=a-b`). Inside the task's window a
 * read that misses fetches READ_AHEAD bytes from where it starts (not past the window's end), so a
 * reader's 64 KB or 4 MB reads cost one request per 8 MB; outside the window (a CSV split's look at
 * the next split's first record) a read fetches exactly its bytes. Reads issued together share a
 * block that is still arriving rather than asking for the same bytes twice.
 */
class S3ObjectReader implements InputHandle {
  private blocks: Block[] = [];
  private readonly bucket: string;
  private readonly key: string;
  /** The object's size, once a GET's Content-Range or a HEAD has told it. */
  private size: number | undefined;

  constructor(
    private readonly url: string,
    private readonly window?: ReadWindow,
  ) {
    ({ bucket: this.bucket, key: this.key } = partsOf(url));
  }

  async stat(): Promise<{ size: number }> {
    // A task's planned size spares a HEAD: its first GET tells the object's size, checked there.
    this.size ??= this.window?.plannedSize ?? (await this.headSize());
    return { size: this.size };
  }

  private async headSize(): Promise<number> {
    try {
      return (await s3Version(this.url)).size;
    } catch (e) {
      // A task's object (it has a window) was there when the run was planned: it went during the run.
      const cause = (e as Error).cause;
      if (this.window && s3FailureOf(cause) === 'no-key')
        throw s3InputError(this.url, cause, `${this.url} does not exist (or no longer: was it deleted during the run?)`);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.blocks = [];
  }

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    const end = Math.min(this.size ?? Number.MAX_SAFE_INTEGER, position + length);
    let at = position;
    while (at < end) {
      const block = this.blocks.find((b) => b.start <= at && at < b.end) ?? this.fetch(at, end);
      const bytes = await block.bytes;
      // A block ends early at the end of the object: the read is short, as a file's is.
      const n = Math.min(end, block.start + bytes.length) - at;
      if (n <= 0) break;
      buffer.set(bytes.subarray(at - block.start, at - block.start + n), offset + at - position);
      at += n;
    }
    return { bytesRead: at - position };
  }

  /** Starts the GET of the block that serves a read of `[at, need)`. */
  private fetch(at: number, need: number): Block {
    const w = this.window;
    const ahead = w && at >= w.start && at < w.end ? Math.min(w.end, at + READ_AHEAD) : 0;
    const end = Math.min(Math.max(need, ahead), at + MAX_GET);
    const block: Block = { start: at, end, bytes: this.get(at, end) };
    // A task's exact blocks are kept too (a CSV split's look at the next split's first record is read
    // again as the end of its own last record); a reader without a window (the planner, parquet-wasm's
    // column chunks of a handle a worker keeps open) keeps a block only while it arrives.
    const drop = () => void (this.blocks = this.blocks.filter((b) => b !== block));
    block.bytes.then(this.window ? undefined : drop, drop);
    this.blocks.push(block);
    if (this.blocks.length > KEEP_BLOCKS) this.blocks.shift();
    return block;
  }

  private async get(start: number, end: number): Promise<Uint8Array> {
    let bytes: Uint8Array;
    let total: string | undefined;
    try {
      const r = await s3Client().send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, Range: `bytes=${start}-${end - 1}` }));
      bytes = await r.Body!.transformToByteArray();
      total = /\/(\d+)$/.exec(r.ContentRange ?? '')?.[1];
    } catch (e) {
      // A range that starts at or past the end: no bytes, as a file read there gives (unless the plan saw more).
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        if (this.window?.plannedSize !== undefined && start < this.window.plannedSize) this.checkSize(await this.headSize());
        return new Uint8Array(0);
      }
      throw s3InputError(this.url, e, `${this.url} does not exist (or no longer: was it deleted during the run?)`);
    }
    // A server that ignores the range (s3rver does for bytes=0-0) sends the whole object.
    this.checkSize(total !== undefined ? Number(total) : bytes.length);
    return total !== undefined ? bytes : bytes.subarray(Math.min(start, bytes.length), Math.min(end, bytes.length));
  }

  /**
   * Keeps the object's size, as a response told it. A task given its planned size (which `stat()`
   * answered) fails when the object no longer reaches the end of its window: cut or rewritten since.
   */
  private checkSize(size: number): void {
    this.size = size;
    const w = this.window;
    if (w?.plannedSize !== undefined && size < w.end) throw changedWhileRead(this.url, size, w.end);
  }
}

/**
 * An object front to back, the next block read while the caller works on this one (a compressed
 * input, decompressed as it arrives by the one task that reads it). Blocks grow from 1 MB to
 * READ_AHEAD: the planner, which stops after 1 MB of decompressed text, reads a few MB at most.
 */
export async function* s3Chunks(url: string): AsyncGenerator<Buffer> {
  const fh = await openS3Object(url);
  const { size } = await fh.stat();
  const read = (at: number, length: number) => {
    const buf = Buffer.allocUnsafe(Math.min(length, size - at));
    const done = fh.read(buf, 0, buf.length, at).then(() => buf);
    done.catch(() => undefined); // reported when its turn comes, or dropped with a stream closed early
    return done;
  };
  let length = 1 << 20;
  let next = size > 0 ? read(0, length) : undefined;
  for (let at = 0; next; ) {
    const buf = await next;
    at += buf.length;
    length = Math.min(READ_AHEAD, 2 * length);
    next = at < size ? read(at, length) : undefined;
    yield buf;
  }
}

/** An object as the Blob parquet-wasm reads: each slice (a column chunk, the footer) is one ranged GET of exactly its bytes. */
export async function s3Blob(url: string, size: number): Promise<BlobLike> {
  const fh = await openS3Object(url);
  return {
    size,
    slice(start = 0, end = size) {
      return {
        async arrayBuffer() {
          const from = Math.max(0, Math.min(start, size));
          const out = new Uint8Array(Math.max(0, Math.min(end, size) - from));
          await fh.read(out, 0, out.length, from);
          return out.buffer;
        },
      };
    },
  };
}
