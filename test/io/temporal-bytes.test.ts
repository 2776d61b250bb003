import { describe, expect, it } from 'vitest';
import { dateFromBytes, timestampFromBytes, type TimestampParts } from '../../dist/src/io/temporal-bytes.js';
import { parseDate, parseTimestamp } from '../../dist/src/io/parse-values.js';

/** A seeded generator, so a failure repeats. */
function rng(seed: number) {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

describe('ISO dates and timestamps from bytes (the CSV fast path)', () => {
  it('gives the days a Date gives (years 0000–9999), and rejects what is not a date', () => {
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const y = Math.floor(r() * 10000),
        m = 1 + Math.floor(r() * 13),
        d = Math.floor(r() * 33);
      const text = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      const ms = date.getTime();
      const back = new Date(ms);
      const want = m >= 1 && m <= 12 && d >= 1 && back.getUTCDate() === d && back.getUTCMonth() === m - 1 ? ms / 86_400_000 : undefined;
      expect(dateFromBytes(Buffer.from(text), 0, 10), text).toBe(want);
      expect(parseDate(text), text).toBe(want);
    }
    for (const bad of ['2024-1-01', '2024/01/01', '20240101', '2024-01-01 ', 'x024-01-01'])
      expect(dateFromBytes(Buffer.from(bad), 0, bad.length), bad).toBeUndefined();
  });

  it('reads every spelling to the instant the slow parser reads, and rejects the same bad ones', () => {
    const r = rng(11);
    const parts: TimestampParts = { seconds: 0, fraction: 0, fractionDigits: 0, zoned: false };
    const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
    for (let i = 0; i < 20000; i++) {
      const date = `${1900 + Math.floor(r() * 200)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
      const time = pick([
        '',
        `${pick(['T', ' '])}${String(Math.floor(r() * 25)).padStart(2, '0')}:${String(Math.floor(r() * 61)).padStart(2, '0')}`,
      ]);
      const sec = time === '' ? '' : pick(['', `:${String(Math.floor(r() * 61)).padStart(2, '0')}`]);
      const frac =
        sec === ''
          ? ''
          : pick([
              '',
              `.${String(Math.floor(r() * 1e9))
                .padStart(9, '0')
                .slice(0, 1 + Math.floor(r() * 9))}`,
            ]);
      const zone = pick(['', 'Z', '+00', '-05:30', '+0100', '+14:00', ' +02', '+19:00']);
      const text = date + time + sec + frac + zone;
      const slow = parseTimestamp(text);
      const ok = timestampFromBytes(Buffer.from(text), 0, text.length, parts);
      expect(ok, text).toBe(slow !== undefined);
      if (!slow) continue;
      const nanos = BigInt(parts.seconds) * 1_000_000_000n + BigInt(parts.fraction) * 10n ** BigInt(9 - parts.fractionDigits);
      expect([nanos, parts.zoned], text).toEqual([slow.nanos, slow.zoned]);
    }
  });
});
