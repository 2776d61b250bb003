import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { READ_CHUNK, decodeInChunks } from '../../dist/src/io/file-range.js';
import { lineStartAt } from '../../dist/src/io/read-ndjson.js';
import { tempDir } from '../helpers/tmp.js';

const NL = 10;

/** Lines of chosen lengths (each ends in LF), with a byte pattern that tells where a line's bytes came from. */
function linesOf(lengths: number[]): Buffer {
  const out = Buffer.alloc(lengths.reduce((n, l) => n + l + 1, 0));
  let at = 0;
  lengths.forEach((len, i) => {
    for (let j = 0; j < len; j++) out[at + j] = 97 + ((i * 7 + j) % 26);
    out[at + len] = NL;
    at += len + 1;
  });
  return out;
}

/** Decodes `[begin, stop)` as whole lines through decodeInChunks; returns the lines with the file offsets the callback claimed for them. */
async function readLines(file: string, begin: number, stop: number) {
  const fh = await open(file, 'r');
  const lines: Array<{ at: number; text: Buffer }> = [];
  try {
    const left = await decodeInChunks(fh, file, begin, stop, async (buf, from, to, final, at) => {
      let pos = from;
      for (;;) {
        const nl = buf.indexOf(NL, pos);
        if (nl < 0 || nl >= to) break;
        lines.push({ at: at + pos, text: Buffer.from(buf.subarray(pos, nl + 1)) });
        pos = nl + 1;
      }
      if (final && pos < to) {
        lines.push({ at: at + pos, text: Buffer.from(buf.subarray(pos, to)) });
        pos = to;
      }
      return pos;
    });
    return { lines, left };
  } finally {
    await fh.close();
  }
}

describe('decodeInChunks (chunks read with preads into one buffer, the unfinished record moved to its front)', () => {
  const dir = tempDir();

  // Short lines, lines just under and over the 256 KB carried between chunks, and one longer than a chunk.
  const lengths = [
    ...Array.from({ length: 4000 }, (_, i) => (i * 37) % 300),
    200_000,
    300_000,
    5,
    READ_CHUNK + 12_345,
    7,
    ...Array.from({ length: 30_000 }, (_, i) => (i * 53) % 200),
    (1 << 18) - 1,
    1 << 18,
    (1 << 18) + 1,
    3,
  ];
  const data = linesOf(lengths);

  it.each([
    ['the whole file', 0, data.length],
    ['a range starting mid-file', 123_457, data.length],
    ['a range ending mid-file (the rest is left over)', 0, data.length - 10_001],
    ['a range smaller than a chunk', 5000, 90_000],
  ])('every byte of %s reaches the decoder once, at its file offset', async (_, begin, stop) => {
    const file = path.join(dir, 'lines.txt');
    await writeFile(file, data);
    const { lines } = await readLines(file, begin, stop);
    const joined = Buffer.concat(lines.map((l) => l.text));
    expect(joined.equals(data.subarray(begin, stop))).toBe(true);
    for (const l of lines) expect(data.subarray(l.at, l.at + l.text.length).equals(l.text)).toBe(true);
    const huge = lengths.slice(0, lengths.indexOf(READ_CHUNK + 12_345)).reduce((n, l) => n + l + 1, 0);
    expect(lines.some((l) => l.text.length > READ_CHUNK)).toBe(begin <= huge && huge + READ_CHUNK < stop);
  });

  it('returns the bytes the decoder left unused at the end', async () => {
    const file = path.join(dir, 'partial.txt');
    await writeFile(file, Buffer.from('ab\ncd\nef'));
    const fh = await open(file, 'r');
    try {
      const left = await decodeInChunks(fh, file, 0, 8, async (buf, from, to) => buf.lastIndexOf(NL, to - 1) + 1);
      expect(left).toBe(2);
    } finally {
      await fh.close();
    }
  });

  it('says the file changed when it ends before the planned range', async () => {
    const file = path.join(dir, 'short.txt');
    await writeFile(file, data.subarray(0, 1000));
    const fh = await open(file, 'r');
    try {
      await expect(decodeInChunks(fh, file, 0, 2000, async (_b, _f, to) => to)).rejects.toThrow(
        /short\.txt: the file ends at byte 1000, but it had 2000 bytes or more when the run was planned/,
      );
    } finally {
      await fh.close();
    }
  });
});

describe("NDJSON's split start (lineStartAt) on a file cut after the task found its size", () => {
  const dir = tempDir();

  // Fuzz seed 1, case 2424: a task stat()ed the whole file, the file was then cut before the task looked
  // for its first line; the search found no LF in the missing bytes, began at the old end and read
  // nothing: 47,575 of 60,000 rows, exit 0. The size the task found is passed in as it was.
  it('says the file changed, whether the cut is before or inside the bytes searched', async () => {
    const file = path.join(dir, 'cut.ndjson');
    const whole = linesOf(Array.from({ length: 2000 }, (_, i) => 20 + (i % 50)));
    await writeFile(file, whole.subarray(0, 10_000));
    const fh = await open(file, 'r');
    try {
      for (const at of [30_000, 10_000, 9_990])
        await expect(lineStartAt(fh, file, at, whole.length)).rejects.toThrow(
          new RegExp(`cut\\.ndjson: the file ends at byte \\d+, but it had ${whole.length} bytes or more when the run was planned`),
        );
      // Before the cut, a line start is found as on the whole file.
      const nl = whole.indexOf(NL, 5_000) + 1;
      expect(await lineStartAt(fh, file, 5_000, whole.length)).toBe(nl);
    } finally {
      await fh.close();
    }
  });
});
