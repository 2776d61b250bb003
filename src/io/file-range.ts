import { openSync, closeSync, readSync } from 'node:fs';
import { changedWhileRead } from './input-changed.js';
import { openInput, type InputHandle } from './input-source.js';

/**
 * Reads `length` bytes at `position` into a fresh (unpooled) Buffer; shorter at the end of the file.
 * Fresh buffers keep the 8-byte alignment Arrow needs and are not shared with other reads.
 */
export async function readRange(fh: InputHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafeSlow(Math.max(0, length));
  const got = await readInto(fh, buf, 0, length, position);
  return got === length ? buf : buf.subarray(0, got);
}

/**
 * Reads up to `length` bytes at `position` of an input into `buf[offset…]` and returns how many it
 * read (fewer only at its end): a file on this machine with synchronous preads (`preadInto`), an
 * `s3://` object through its handle's ranged GETs and read-ahead.
 */
export async function readInto(fh: InputHandle, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  const fd = (fh as { fd?: unknown }).fd;
  if (typeof fd === 'number') return preadInto(fd, buf, offset, length, position);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, offset + got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/**
 * Reads up to `length` bytes at file offset `position` into `buf[offset…]` with synchronous preads
 * and returns how many it read (fewer only at the end of the file). Every scan reads this way, on
 * the task's own thread: a read from the page cache is a copy at memory speed, and an async read
 * would only move that copy to libuv's threads, which at 2 workers compete with the workers for the
 * cores (bench/results/mmap-vs-pread.md).
 */
export function preadInto(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, offset + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** `preadInto` on a file opened for this one read (parquet-wasm asks for column chunks by offset, not through a handle). */
export function preadFile(file: string, buf: Uint8Array, position: number): number {
  const fd = openSync(file, 'r');
  try {
    return preadInto(fd, buf, 0, buf.length, position);
  } finally {
    closeSync(fd);
  }
}

/** The 1-based line numbers of several byte offsets of a file, in one pass over the file up to the last of them. */
export async function linesAt(file: string, offsets: number[]): Promise<number[]> {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const lines = new Array<number>(offsets.length);
  if (order.length === 0) return lines;
  const fh = await openInput(file, { start: 0, end: offsets[order.at(-1)!]! });
  try {
    let line = 1;
    let k = 0;
    const end = offsets[order.at(-1)!]!;
    const chunk = 4 << 20;
    for (let at = 0; at < end && k < order.length; at += chunk) {
      const buf = await readRange(fh, at, Math.min(chunk, end - at));
      if (buf.length === 0) break;
      let i = buf.indexOf(10);
      for (; k < order.length && offsets[order[k]!]! < at + buf.length; k++) {
        const rel = offsets[order[k]!]! - at;
        for (; i >= 0 && i < rel; i = buf.indexOf(10, i + 1)) line++;
        lines[order[k]!] = line;
      }
      for (; i >= 0; i = buf.indexOf(10, i + 1)) line++;
    }
    for (; k < order.length; k++) lines[order[k]!] = line;
    return lines;
  } finally {
    await fh.close();
  }
}

/** The 1-based line number of byte `offset` of a file: one more than the LFs before it (read in chunks, for error messages). */
export async function lineAt(file: string, offset: number): Promise<number> {
  const fh = await openInput(file, { start: 0, end: offset });
  try {
    let line = 1;
    const chunk = 4 << 20;
    for (let at = 0; at < offset; at += chunk) {
      const buf = await readRange(fh, at, Math.min(chunk, offset - at));
      if (buf.length === 0) break;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) line++;
    }
    return line;
  } finally {
    await fh.close();
  }
}

/** Bytes a CSV or NDJSON task reads at a time. */
export const READ_CHUNK = 4 << 20;
/** Room before each chunk for the unfinished record of the one before, so it is moved, not the chunk. */
const CARRY = 256 << 10;
const STANDARD = CARRY + READ_CHUNK;
/**
 * Chunk buffers of finished reads, kept for this thread's next task: decoders copy what they keep, so
 * a buffer is free once its read and decode are done. Fresh buffers for every task were half the
 * memory a CSV task allocated outside the JS heap, and V8 counts that memory towards its next full GC.
 */
const idle: Buffer[] = [];
const takeChunk = (): Buffer => idle.pop() ?? Buffer.allocUnsafeSlow(STANDARD);
const giveBack = (b: Buffer | undefined) => b?.length === STANDARD && idle.length < 2 && idle.push(b);

/**
 * Decodes whole records of `buf[from, to)`, where `buf[0]` is byte `at` of the file (`final`: no bytes
 * come after `to`), and returns where it stopped: the unfinished record from there on comes again in
 * front of the next chunk.
 */
export type DecodeChunk = (buf: Buffer, from: number, to: number, final: boolean, at: number) => Promise<number>;

/**
 * Feeds the bytes `[begin, stop)` of a file to `decode`, READ_CHUNK bytes at a time (see DecodeChunk
 * for what `decode` does with a chunk). One buffer of about READ_CHUNK serves the task (and the
 * thread's next task): the unfinished record at a chunk's end is moved to the room in front of it,
 * and the next chunk read behind it, so a task's raw bytes stay at about READ_CHUNK whatever its split
 * size (more only for a record longer than CARRY). Returns the bytes `decode` left unused at the end
 * (0 when the range ended on a record end).
 */
export async function decodeInChunks(fh: InputHandle, file: string, begin: number, stop: number, decode: DecodeChunk): Promise<number> {
  let buf = takeChunk();
  try {
    let from = CARRY; // the unfinished record (if any) starts here
    let to = CARRY; // the bytes read end here
    let base = begin; // the file offset of buf[from]
    for (let pos = begin; ; ) {
      const want = Math.min(READ_CHUNK, stop - pos);
      const got = await readInto(fh, buf, to, want, pos);
      if (got < want) throw changedWhileRead(file, pos + got, stop);
      pos += want;
      to += want;
      const final = pos >= stop;
      const stopped = await decode(buf, from, to, final, base - from);
      if (final) return to - stopped;
      const left = to - stopped;
      base += stopped - from;
      if (left > CARRY) {
        // A record longer than CARRY: it and the next chunk get a buffer of their own (grown per chunk until the record ends).
        const joined = Buffer.allocUnsafeSlow(CARRY + left + READ_CHUNK);
        buf.copy(joined, CARRY, stopped, to);
        giveBack(buf);
        buf = joined;
        from = CARRY;
      } else {
        buf.copy(buf, CARRY - left, stopped, to);
        from = CARRY - left;
      }
      to = from + left;
    }
  } finally {
    giveBack(buf);
  }
}
