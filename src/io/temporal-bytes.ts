/**
 * ISO dates and timestamps parsed straight from a CSV's bytes, with arithmetic only (no Date, no
 * string, no regex): the decoders' fast path. It accepts exactly what `parseDate`/`parseTimestamp`
 * (parse-values.ts) accept in the usual spellings; anything else (a blank around the value, a
 * comma before the fraction) returns undefined/false and takes the slow path, which decides.
 */

const D0 = 48;

function digits(buf: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = buf[i]! - D0;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Days in month `m` (1–12) of year `y`. */
export function monthDays(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since the epoch of `YYYY-MM-DD` at `buf[s, s + 10)`, or NaN when it is not a valid date there. */
function dateAt(buf: Uint8Array, s: number): number {
  if (buf[s + 4] !== 45 || buf[s + 7] !== 45) return NaN;
  const y = digits(buf, s, 4),
    m = digits(buf, s + 5, 2),
    d = digits(buf, s + 8, 2);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > monthDays(y, m)) return NaN;
  return daysFromCivil(y, m, d);
}

/** Days since the epoch of the ISO date that is exactly `buf[s, e)`, or undefined. */
export function dateFromBytes(buf: Uint8Array, s: number, e: number): number | undefined {
  if (e - s !== 10) return undefined;
  const v = dateAt(buf, s);
  return Number.isNaN(v) ? undefined : v;
}

/** A timestamp read from bytes: whole seconds since the epoch (UTC when zoned), and its fraction's digits. */
export interface TimestampParts {
  seconds: number;
  fraction: number;
  fractionDigits: number;
  zoned: boolean;
}

/** Reads the ISO timestamp that is exactly `buf[s, e)` into `out`; false when it is not one in the usual spellings. */
export function timestampFromBytes(buf: Uint8Array, s: number, e: number, out: TimestampParts): boolean {
  if (e - s < 10) return false;
  const days = dateAt(buf, s);
  if (Number.isNaN(days)) return false;
  let p = s + 10;
  let secs = 0;
  out.fraction = 0;
  out.fractionDigits = 0;
  out.zoned = false;
  if (p < e && (buf[p] === 84 || buf[p] === 32) && p + 6 <= e && buf[p + 3] === 58) {
    const h = digits(buf, p + 1, 2),
      mi = digits(buf, p + 4, 2);
    if (h < 0 || h > 23 || mi < 0 || mi > 59) return false;
    secs = h * 3600 + mi * 60;
    p += 6;
    if (p < e && buf[p] === 58) {
      const sec = p + 3 <= e ? digits(buf, p + 1, 2) : -1;
      if (sec < 0 || sec > 59) return false;
      secs += sec;
      p += 3;
      if (p < e && buf[p] === 46) {
        const f0 = ++p;
        let f = 0;
        while (p < e && p - f0 < 9 && buf[p]! >= 48 && buf[p]! <= 57) f = f * 10 + (buf[p++]! - D0);
        if (p === f0) return false;
        out.fraction = f;
        out.fractionDigits = p - f0;
      }
    }
  }
  if (p < e && buf[p] === 32) p++; // DuckDB writes no blank; some writers put one before the zone
  if (p < e) {
    const z = buf[p]!;
    if (z === 90 || z === 122) p++;
    else if (z === 43 || z === 45) {
      const hh = p + 3 <= e ? digits(buf, p + 1, 2) : -1;
      let mm = 0;
      let q = p + 3;
      if (q < e && buf[q] === 58) q++;
      if (q < e) {
        mm = q + 2 <= e ? digits(buf, q, 2) : -1;
        q += 2;
      }
      if (hh < 0 || mm < 0 || mm > 59 || hh * 60 + mm > 18 * 60) return false;
      secs -= (z === 45 ? -1 : 1) * (hh * 3600 + mm * 60);
      p = q;
    } else return false;
    out.zoned = true;
  }
  if (p !== e) return false;
  out.seconds = days * 86400 + secs;
  return true;
}
