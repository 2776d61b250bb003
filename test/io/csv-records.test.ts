import { describe, expect, it } from 'vitest';
import { agreedRecordStart, FS, stateAfter, type RecordSyntax } from '../../dist/src/io/csv-records.js';

/** A deterministic pseudo-random generator, so failures reproduce. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** A CSV with quoted fields full of delimiters, quotes, LFs and CRLFs, and its true record starts (by a plain sequential scan). */
function randomCsv(seed: number): { text: Buffer; starts: Set<number> } {
  const rnd = lcg(seed);
  const pieces = ['a', ',', '\n', '""', '\r\n', 'é', ' ', '"', 'x,y'];
  const rows: string[] = [];
  const n = 1 + Math.floor(rnd() * 40);
  for (let i = 0; i < n; i++) {
    const fields: string[] = [];
    for (let f = 0; f < 3; f++) {
      if (rnd() < 0.4) fields.push(String(Math.floor(rnd() * 1e4)));
      else {
        let s = '';
        for (let k = Math.floor(rnd() * 6); k > 0; k--) s += pieces[Math.floor(rnd() * pieces.length)];
        fields.push(`"${s.replace(/"/g, '""')}"`);
      }
    }
    rows.push(fields.join(','));
  }
  const eol = rnd() < 0.5 ? '\n' : '\r\n';
  const text = Buffer.from(rows.join(eol) + eol);
  // True record starts: a sequential parse that knows the state from byte 0.
  const starts = new Set<number>([0]);
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 34) inQuote = !inQuote;
    else if (text[i] === 10 && !inQuote) starts.add(i + 1);
  }
  return { text, starts };
}

const syntax: RecordSyntax = { delimiter: 44, quote: 34, maxRecordBytes: 200 };

describe('agreedRecordStart', () => {
  it('finds a true record start at or after any byte of a file with quoted newlines', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { text, starts } = randomCsv(seed);
      for (let s = 0; s < text.length; s++) {
        const r = agreedRecordStart(text, s, text.length, true, syntax);
        let pos: number;
        if (r.kind === 'found') pos = r.pos;
        else {
          expect(r.kind, `seed ${seed} byte ${s}`).toBe('undecided');
          // The reader's fallback: the true state from the start, then the first record start.
          const exact = agreedRecordStart(text, s, text.length, true, syntax, [stateAfter(text, 0, s, syntax, FS)]);
          expect(exact.kind).toBe('found');
          pos = (exact as { pos: number }).pos;
        }
        expect(pos, `seed ${seed} byte ${s}`).toBeGreaterThanOrEqual(s);
        expect(starts.has(pos) || pos === text.length, `seed ${seed}: byte ${s} → ${pos} is not a record start`).toBe(true);
      }
    }
  });

  it('settles at the next line in a file without quotes', () => {
    const text = Buffer.from('1,2,3\n4,5,6\n7,8,9\n');
    expect(agreedRecordStart(text, 3, text.length, true, syntax)).toEqual({ kind: 'found', pos: 6 });
  });

  it('asks for more bytes when the window ends before it can tell', () => {
    const text = Buffer.from('1,"abc\n');
    expect(agreedRecordStart(text, 1, text.length, false, syntax).kind).toBe('more');
  });

  it('agrees with the state known from the start when told it', () => {
    const text = Buffer.from('a,"x\ny",b\nc,d,e\n');
    // Byte 5 is inside the quoted field "x\ny": the next true record start is 10.
    expect(stateAfter(text, 0, 5, syntax, FS)).not.toBe(FS);
    expect(agreedRecordStart(text, 5, text.length, true, syntax)).toEqual({ kind: 'found', pos: 10 });
  });
});
