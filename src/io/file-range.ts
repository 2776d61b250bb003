import { InputError } from '../errors.js';
import { openInput, type InputHandle } from './input-source.js';
import { mapRange, mmapAvailable, releaseMapped } from './mmap.js';

/**
 * Reads `length` bytes at `position` into a fresh (unpooled) Buffer; shorter at the end of the file.
 * Fresh buffers keep the 8-byte alignment Arrow needs and are not shared with other reads.
 */
export async function readRange(fh: InputHandle, position: number, length: number): Promise<Buffer> {
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
 * Feeds the bytes `[begin, stop)` of a file to `decode`, READ_CHUNK bytes at a time, reading the
 * next chunk (on libuv's thread pool) while `decode` works on this one, so the task never waits for
 * its reads but the first (see DecodeChunk for what `decode` does with a chunk). Two buffers of about READ_CHUNK
 * take turns (and serve the thread's next task), so a task's raw bytes stay at about 2 × READ_CHUNK
 * whatever its split size (more only for a record longer than CARRY). Returns the bytes `decode` left
 * unused at the end (0 when the range ended on a record end). Where files can be memory-mapped
 * (src/io/mmap.ts), the chunks are mappings instead (`decodeMapped`).
 */
export async function decodeInChunks(fh: InputHandle, file: string, begin: number, stop: number, decode: DecodeChunk): Promise<number> {
  if (mmapAvailable(file)) return decodeMapped(fh, file, begin, stop, decode);
  let cur = takeChunk();
  let spare: Buffer | undefined;
  try {
    let from = CARRY;
    let to = from + (await readFully(fh, file, cur, from, Math.min(READ_CHUNK, stop - begin), begin, stop));
    let base = begin; // the file offset of cur[from]
    let pos = begin + (to - from); // the next byte to read
    for (;;) {
      const final = pos >= stop;
      let next: Promise<number> | undefined;
      if (!final) {
        spare ??= takeChunk();
        next = readFully(fh, file, spare, CARRY, Math.min(READ_CHUNK, stop - pos), pos, stop);
      }
      let stopped: number;
      try {
        stopped = await decode(cur, from, to, final, base - from);
      } catch (e) {
        await next?.catch(() => undefined); // no read may outlive the task (its file closes next, its buffer is reused)
        throw e;
      }
      if (final) return to - stopped;
      const got = await next!;
      const left = to - stopped;
      base += stopped - from;
      pos += got;
      const into = spare!;
      if (left <= CARRY) {
        cur.copy(into, CARRY - left, stopped, to);
        spare = cur.length === STANDARD ? cur : undefined;
        cur = into;
        from = CARRY - left;
        to = CARRY + got;
      } else {
        // A record longer than CARRY: it and the new bytes get a buffer of their own (grown per chunk until the record ends).
        const joined = Buffer.allocUnsafeSlow(CARRY + left + got);
        cur.copy(joined, CARRY, stopped, to);
        into.copy(joined, CARRY + left, CARRY, CARRY + got);
        if (cur.length === STANDARD) giveBack(cur);
        cur = joined;
        from = CARRY;
        to = CARRY + left + got;
      }
    }
  } finally {
    // No read is in flight here (a failed decode waited for its read), so both buffers are free.
    giveBack(cur);
    giveBack(spare);
  }
}

/**
 * `decodeInChunks` over memory-mapped chunks: each chunk is a fresh mapping of the file from where the
 * last decode stopped, so the unfinished record is simply mapped again (no copy, no carry buffer),
 * a record longer than the chunk gets a mapping twice as long from the same start, and the page
 * faults happen on this thread rather than in reads on libuv's threads, which at 2 workers compete
 * with the workers for the cores. A chunk's mapping is garbage once its decode returns (decoders copy
 * what they keep): its decoded pages are released at once, and the mapping is freed by a later GC
 * (native/mmap.c).
 */
async function decodeMapped(fh: InputHandle, file: string, begin: number, stop: number, decode: DecodeChunk): Promise<number> {
  const { size } = await fh.stat();
  if (size < stop) throw endedEarly(file, size, stop);
  for (let at = begin, length = READ_CHUNK; ; ) {
    const to = Math.min(stop, at + length);
    const view = mapRange(file, at, to - at)!;
    const buf = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
    const final = to === stop;
    const stopped = await decode(buf, 0, buf.length, final, at);
    // What was decoded is not read again (the next chunk maps the unfinished record anew).
    releaseMapped(view.subarray(0, stopped));
    if (final) return buf.length - stopped;
    if (stopped === 0) {
      length *= 2;
    } else {
      at += stopped;
      length = READ_CHUNK;
    }
  }
}

/** Reads exactly `length` bytes at `position` into `buf[offset…]`; the file ending first is an error (it changed under the run). */
async function readFully(
  fh: InputHandle,
  file: string,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
  stop: number,
): Promise<number> {
  for (let got = 0; got < length; ) {
    const { bytesRead } = await fh.read(buf, offset + got, length - got, position + got);
    if (bytesRead === 0) throw endedEarly(file, position + got, stop);
    got += bytesRead;
  }
  return length;
}

/** The file ended at byte `at`, before the `stop` bytes its plan counted on. */
function endedEarly(file: string, at: number, stop: number): InputError {
  return new InputError(`${file} ended at byte ${at}, before the ${stop} bytes planned; was it changed during the run?`);
}
