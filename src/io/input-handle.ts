// The shape of an open input, below both the reader of paths and `s3://` objects (input-source.ts) and
// the S3 reader itself (s3-input.ts), which must not import each other.

/**
 * What readers need of an open input: positional reads, its size, and closing it. A node:fs
 * FileHandle is one; an `s3://` object is another (io/s3-input.ts, ranged GETs).
 */
export interface InputHandle {
  /** Reads up to `length` bytes at `position` into `buffer[offset…]`; fewer only at the end of the input. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/**
 * Bytes `[start, end)` a task is going to read, front to back. A remote input reads ahead inside
 * them in large blocks (one request serves many small reads), and nowhere outside them, so a task
 * asks for its own split and not its neighbours'. Files on a disk ignore it.
 */
export interface ReadWindow {
  start: number;
  end: number;
  /**
   * The input's size when the run was planned. A remote input answers `stat()` with it instead of
   * asking (a HEAD request per task), and checks its first response's size against `end` instead.
   */
  plannedSize?: number;
}

/** The part of Blob that parquet-wasm reads a file through. */
export interface BlobLike {
  size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Whether an input is an object in an S3-compatible store (`s3://bucket/key`) rather than a path. */
export function isS3Input(file: string): boolean {
  return file.startsWith('s3://');
}
