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
export async function validUtf8Lines(buf: Buffer, from: number, to: number, file: string, fileOffset: number, bad: BadRecords): Promise<{ buf: Buffer; from: number; to: number }> {
  if (isUtf8(buf.subarray(from, to))) return { buf, from, to };
  const good: Buffer[] = [];
  const found: BadRecord[] = [];
  for (let start = from; start < to; ) {
    let nl = buf.indexOf(NL, start);
    if (nl < 0 || nl >= to) nl = to;
    const line = buf.subarray(start, nl);
    const at = isUtf8(line) ? -1 : firstInvalidUtf8(line);
    if (at < 0) good.push(buf.subarray(start, Math.min(nl + 1, to)));
    else {
      const where = {
        file,
        byteOffset: fileOffset + start,
        expected: 'UTF-8 text',
        found: `byte 0x${line[at]!.toString(16).padStart(2, '0')} after ${line.subarray(0, at).toString('utf8').length} characters`,
      };
      const record: BadRecord = { ...where, message: badRecordMessage('text', where) };
      // The add that will throw gets its line number now (a scan of the file up to here, only on error).
      if (bad.count + 1 > bad.limit) {
        record.line = await lineAt(file, record.byteOffset!);
        record.message = badRecordMessage('text', record);
      }
      bad.add(record);
      found.push(record);
    }
    start = nl + 1;
  }
  const kept = found.filter((r) => bad.examples.includes(r));
  if (kept.length) {
    const lines = await linesAt(file, kept.map((r) => r.byteOffset!));
    kept.forEach((r, i) => {
      r.line = lines[i];
      r.message = badRecordMessage('text', r);
    });
  }
  const out = Buffer.concat(good);
  return { buf: out, from: 0, to: out.length };
}
