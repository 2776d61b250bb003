import { createReadStream, openAsBlob } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { isS3Input, type BlobLike, type InputHandle, type ReadWindow } from './input-handle.js';

export { isS3Input, type BlobLike, type InputHandle, type ReadWindow };

/** The S3 reader, loaded (with @aws-sdk/client-s3) only when an `s3://` input is read. */
const s3 = () => import('./s3-input.js');

/**
 * Opens an input for reading: a path on this machine's file systems, or an `s3://` URL.
 *
 * @example
 * const fh = await openInput('s3://bucket/logs/day1.csv', { start: 0, end: 64 << 20 });
 * const head = await readRange(fh, 0, 4096);
 */
export async function openInput(file: string, window?: ReadWindow): Promise<InputHandle> {
  return isS3Input(file) ? (await s3()).openS3Object(file, window) : open(file, 'r');
}

/** A whole input in memory (a JSON array parsed whole). */
export async function readWholeInput(file: string): Promise<Buffer> {
  if (!isS3Input(file)) return readFile(file);
  const fh = await openInput(file);
  try {
    const { size } = await fh.stat();
    const buf = Buffer.allocUnsafe(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** An input's bytes front to back, as a stream of chunks (compressed inputs, read whole by one task). */
export async function* inputChunks(file: string): AsyncGenerator<Buffer> {
  if (!isS3Input(file)) {
    yield* createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
    return;
  }
  yield* (await s3()).s3Chunks(file);
}

/** The size of an input in bytes (a pipe's is 0 and undefined: it has none). */
export async function inputSize(file: string): Promise<number | undefined> {
  if (isS3Input(file)) return (await s3()).s3Version(file).then((v) => v.size);
  const st = await stat(file);
  return st.isFile() ? st.size : undefined;
}

/** What tells one version of an input from another: size and modification time (a file), size and ETag (an object). */
export async function inputVersion(file: string): Promise<string> {
  if (isS3Input(file)) return (await s3()).s3Version(file).then((v) => v.stamp);
  const st = await stat(file);
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** An input of `size` bytes as the Blob parquet-wasm reads: each slice one read (one ranged GET of an object). */
export async function inputBlob(file: string, size: number): Promise<BlobLike> {
  if (!isS3Input(file)) return (await openAsBlob(file)) as unknown as BlobLike;
  return (await s3()).s3Blob(file, size);
}
