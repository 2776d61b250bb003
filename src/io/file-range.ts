import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * Reads `length` bytes at `position` into a fresh (unpooled) Buffer; shorter at the end of the file.
 * Fresh buffers keep the 8-byte alignment Arrow needs and are not shared with other reads.
 */
export async function readRange(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafeSlow(Math.max(0, length));
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The 1-based line numbers of several byte offsets of a file, in one pass over the file up to the last of them. */
export async function linesAt(file: string, offsets: number[]): Promise<number[]> {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const lines = new Array<number>(offsets.length);
  if (order.length === 0) return lines;
  const fh = await open(file, 'r');
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
  const fh = await open(file, 'r');
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

/**
 * Feeds the bytes `[begin, stop)` of a file to `decode` through one reused buffer of READ_CHUNK
 * bytes: `decode(buf, have, final, base)` consumes whole records from `buf[0, have)` (where `buf[0]`
 * is byte `base` of the file) and returns how many bytes it used; the unfinished rest moves to the
 * front and waits for the next read (the buffer grows only for a record longer than it). So a task's
 * raw bytes stay at about READ_CHUNK whatever its split size. Returns the bytes `decode` left unused
 * at the end (0 when the range ended on a record end).
 */
export async function decodeInChunks(
  fh: FileHandle,
  file: string,
  begin: number,
  stop: number,
  decode: (buf: Buffer, have: number, final: boolean, base: number) => Promise<number>,
): Promise<number> {
  let base = begin;
  let buf = Buffer.allocUnsafeSlow(Math.min(READ_CHUNK, stop - begin));
  let have = 0;
  for (let pos = begin; ; ) {
    if (have === buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.min(buf.length * 2, stop - base));
      buf.copy(bigger, 0, 0, have);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, have, Math.min(buf.length - have, stop - pos), pos);
    if (bytesRead === 0) throw new InputError(`${file} ended at byte ${pos}, before the ${stop} bytes planned; was it changed during the run?`);
    have += bytesRead;
    pos += bytesRead;
    const final = pos >= stop;
    const used = await decode(buf, have, final, base);
    if (final) return have - used;
    buf.copy(buf, 0, used, have);
    base += used;
    have -= used;
  }
}
