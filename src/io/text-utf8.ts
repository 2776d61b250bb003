import { isUtf8 } from 'node:buffer';
import { badRecordMessage, type BadRecord, type BadRecords } from './bad-records.js';
import { lineAt, linesAt } from './file-range.js';

const NL = 10;

/** Index of the first byte of `b` that does not start (or continue) a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= b.length) return i;
    // Second-byte ranges that exclude overlong forms, surrogates and code points past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (b[i + 1]! < lo || b[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Keeps the lines of `buf[from, to)` that are valid UTF-8. Each other line is a bad record (`bad`
 * throws at once by default, naming file:line; under `--max-bad-records` it is skipped and counted).
 * The check of the whole range is one fast pass; lines are only looked at one by one when it fails.
 * `fileOffset` is the file position of `buf[0]`. Returns the range to decode, in `buf` or a new buffer.
 */
export async function validUtf8Lines(
  buf: Buffer,
  from: number,
  to: number,
  file: string,
  fileOffset: number,
  bad: BadRecords,
): Promise<{ buf: Buffer; from: number; to: number }> {
  const kept = keepUtf8Lines(buf, from, to, bad, (start, found) => {
    const where = { file, byteOffset: fileOffset + start, expected: 'UTF-8 text', found };
    return { ...where, message: badRecordMessage('text', where) };
  });
  // The add that will throw gets its line number first (a scan of the file up to here, only on error).
  if (kept.fatal) {
    kept.fatal.line = await lineAt(file, kept.fatal.byteOffset!);
    kept.fatal.message = badRecordMessage('text', kept.fatal);
    bad.add(kept.fatal);
  }
  const examples = kept.found.filter((r) => bad.examples.includes(r));
  if (examples.length) {
    const lines = await linesAt(
      file,
      examples.map((r) => r.byteOffset!),
    );
    examples.forEach((r, i) => {
      r.line = lines[i];
      r.message = badRecordMessage('text', r);
    });
  }
  return kept;
}

/**
 * The synchronous core of `validUtf8Lines`, for text whose lines are located as they are found
 * (decompressed text): `record(start, found)` makes the bad record of the line at `buf[start]`.
 * Bad records within `bad`'s limit are added and skipped; the first over it is returned as `fatal`
 * (not added), for the caller to locate further and add, which throws.
 */
export function keepUtf8Lines(
  buf: Buffer,
  from: number,
  to: number,
  bad: BadRecords,
  record: (start: number, found: string) => BadRecord,
): { buf: Buffer; from: number; to: number; found: BadRecord[]; fatal?: BadRecord } {
  if (isUtf8(buf.subarray(from, to))) return { buf, from, to, found: [] };
  const good: Buffer[] = [];
  const found: BadRecord[] = [];
  for (let start = from; start < to; ) {
    let nl = buf.indexOf(NL, start);
    if (nl < 0 || nl >= to) nl = to;
    const line = buf.subarray(start, nl);
    const at = isUtf8(line) ? -1 : firstInvalidUtf8(line);
    if (at < 0) good.push(buf.subarray(start, Math.min(nl + 1, to)));
    else {
      const r = record(
        start,
        `byte 0x${line[at]!.toString(16).padStart(2, '0')} after ${line.subarray(0, at).toString('utf8').length} characters`,
      );
      if (bad.count + 1 > bad.limit) return { buf, from, to, found, fatal: r };
      bad.add(r);
      found.push(r);
    }
    start = nl + 1;
  }
  const out = Buffer.concat(good);
  return { buf: out, from: 0, to: out.length, found };
}
