import type { RecordBatch } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { BadRecords } from '../../dist/src/io/bad-records.js';
import { CsvDecoder } from '../../dist/src/io/csv-decode.js';

const columns = [
  { name: 'i', type: 'int32' },
  { name: 'f', type: 'float64' },
  { name: 'd', type: 'dict' },
  { name: 's', type: 'utf8' },
  { name: 'x', type: 'int32' },
  { name: 'g', type: 'float64' },
] as const;

function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Rows mixing plain values (the generated fast path) with everything that needs the general path. */
function randomCsv(seed: number): Buffer {
  const rnd = lcg(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const ints = ['0', '7', '-12', '+5', '2147483647', '-2147483648', '-0', '0042', '', ' 3', '1e3', '99999999999'];
  const floats = [
    '0.5',
    '-2.675',
    '3',
    '.5',
    '5.',
    '1e-7',
    '',
    '123456789.123456',
    '0.30000000000000004',
    '-0.0',
    '1.7976931348623157e308',
    '12345678901234567890.5',
  ];
  const strs = ['a', 'bb', 'ccc', '', '"q,uoted"', '"a""b"', 'é', 'x y', '"multi\nline"'];
  const rows: string[] = [];
  for (let r = 0; r < 300; r++) rows.push([pick(ints), pick(floats), pick(strs), pick(strs), pick(ints), pick(floats)].join(','));
  return Buffer.from(rows.join(rnd() < 0.5 ? '\n' : '\r\n') + '\n');
}

const decoder = (bad: BadRecords, nullValues: string[]) =>
  new CsvDecoder(
    { delimiter: ',', quote: '"', header: false, nullValues, maxRecordBytes: 1 << 20 },
    columns as never,
    64,
    undefined,
    bad,
    (p) => ({ file: 't.csv', byteOffset: p.offset, message: p.expected }),
  );

/**
 * Decodes `buf` as a reader of chunks does: each call sees the unfinished record and the next chunk,
 * followed (past `to`) by bytes that would continue the record if read: digits, delimiters, no LF.
 */
function decodeInChunks(buf: Buffer, seed: number): { rows: unknown[]; bad: number } {
  const rnd = lcg(seed);
  const bad = new BadRecords(10_000);
  const d = decoder(bad, ['']);
  let left = Buffer.alloc(0);
  for (let at = 0; at < buf.length; ) {
    const next = Math.min(buf.length, at + 1 + Math.floor(rnd() * 400));
    const final = next === buf.length;
    const data = Buffer.concat([left, buf.subarray(at, next)]);
    const chunk = Buffer.concat([data, Buffer.from('1,2.5,ab,cd,7,8'.repeat(20))]);
    const stopped = d.decode(chunk, 0, data.length, final);
    left = Buffer.from(data.subarray(stopped));
    at = next;
  }
  const rows = d.finish().flatMap((b: RecordBatch) => Array.from({ length: b.numRows }, (_, i) => b.get(i)!.toJSON()));
  return { rows, bad: bad.count };
}

function decode(buf: Buffer, nullValues: string[]): { rows: unknown[]; bad: number } {
  const bad = new BadRecords(10_000);
  const d = decoder(bad, nullValues);
  d.decode(buf, 0, buf.length, true);
  const rows = d.finish().flatMap((b: RecordBatch) => Array.from({ length: b.numRows }, (_, i) => b.get(i)!.toJSON()));
  return { rows, bad: bad.count };
}

describe('generated fast path for simple CSV records', () => {
  it('decodes exactly as the general path does, including the records it hands back', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const buf = randomCsv(seed);
      // A null marker that never occurs turns the fast path off: that run is the general path alone.
      expect(decode(buf, ['']), `seed ${seed}`).toEqual(decode(buf, ['', 'never-present']));
    }
  });

  it('never reads a record past the end of its chunk, where the bytes may be stale', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const whole = randomCsv(seed);
      // With and without a final LF: the last record then ends at the end of the data, not at an LF.
      for (const buf of [whole, whole.subarray(0, whole.length - 1)]) {
        expect(decodeInChunks(buf, seed), `seed ${seed}`).toEqual(decode(buf, ['', 'never-present']));
      }
    }
  });
});
