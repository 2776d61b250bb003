/**
 * Parsing of text values into the column types, shared by the CSV and NDJSON readers and by type
 * inference. These are the slow paths: the CSV decoder parses plain numbers inline and falls back here.
 */
import type { TimeUnitName } from './column-types.js';
import { daysFromCivil, monthDays } from './temporal-bytes.js';

const INT_RE = /^\s*[+-]?\d+\s*$/;
const FLOAT_RE = /^\s*[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf|infinity|nan)\s*$/i;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The int32 value of `text`, or undefined when it is not an integer in range. */
export function parseInt32(text: string): number | undefined {
  if (!INT_RE.test(text)) return undefined;
  const v = Number(text);
  return v >= INT32_MIN && v <= INT32_MAX ? v : undefined;
}

/** The value of `text` as an integer of `bits` bits (signed or not), or undefined when it is not one in range. */
export function parseBigInt(text: string, bits: number, signed: boolean): bigint | undefined {
  if (!INT_RE.test(text)) return undefined;
  const v = BigInt(text.trim().replace(/^\+/, ''));
  const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  return v >= lo && v <= hi ? v : undefined;
}

/** The float64 value of `text` (decimal, exponent, inf, nan), or undefined when it is not a number. */
export function parseFloat64(text: string): number | undefined {
  if (!FLOAT_RE.test(text)) return undefined;
  const t = text.trim().toLowerCase().replace(/^\+/, '');
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan') return NaN;
  return Number(t);
}

/** The boolean value of `text` (true/false, t/f, yes/no, 1/0, any case), or undefined. */
export function parseBool(text: string): boolean | undefined {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case 't':
    case 'yes':
    case '1':
      return true;
    case 'false':
    case 'f':
    case 'no':
    case '0':
      return false;
    default:
      return undefined;
  }
}

/**
 * Whether an integer's text has a leading zero (`00501`, `-007`): an identifier such as a zip code
 * or a phone number, whose zeros a number would lose, so inference keeps it as text.
 */
export function hasLeadingZero(text: string): boolean {
  return /^\s*[+-]?0\d/.test(text);
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// ISO 8601 as DuckDB, Polars, pandas and Spark write it: `T` or a space, optional seconds and fraction (up to
// ns), `Z` or an offset (`+01`, `+0100`, `+01:00`).
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/** Days since 1970-01-01 of an ISO date (`2024-02-29`), or undefined when it is not a valid one. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text.trim());
  if (!m) return undefined;
  return daysOf(Number(m[1]), Number(m[2]), Number(m[3]));
}

function daysOf(y: number, mo: number, d: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays(y, mo)) return undefined;
  return daysFromCivil(y, mo, d);
}

/** A timestamp read from text: nanoseconds since the epoch (UTC when it had an offset), and what its spelling shows. */
export interface ParsedTimestamp {
  nanos: bigint;
  /** It had `Z` or an offset (and `nanos` is UTC). */
  zoned: boolean;
  /** It had more than 6 fraction digits (sub-microsecond). */
  subMicro: boolean;
  /** It was a date alone (midnight). */
  dateOnly: boolean;
}

/**
 * An ISO 8601 timestamp (`2024-01-02 03:04:05`, `2024-01-02T03:04:05.123456789Z`, `…+01:00`), or undefined. A
 * date alone is its midnight.
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const days = daysOf(Number(m[1]), Number(m[2]), Number(m[3]));
  if (days === undefined) return undefined;
  const h = Number(m[4] ?? 0),
    mi = Number(m[5] ?? 0),
    s = Number(m[6] ?? 0);
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const frac = m[7] ?? '';
  let nanos = (BigInt(days) * 86_400n + BigInt(h * 3600 + mi * 60 + s)) * 1_000_000_000n + BigInt(frac.padEnd(9, '0') || '0');
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0);
    if (minutes > 18 * 60) return undefined;
    nanos -= BigInt((zone[0] === '-' ? -minutes : minutes) * 60) * 1_000_000_000n;
  }
  return { nanos, zoned: zone !== undefined, subMicro: frac.length > 6, dateOnly: m[4] === undefined };
}

const PER_UNIT: Record<TimeUnitName, bigint> = { s: 1_000_000_000n, ms: 1_000_000n, us: 1_000n, ns: 1n };

/** Nanoseconds in `unit`, rounded toward minus infinity (as Arrow's casts truncate to the unit). */
export function nanosTo(nanos: bigint, unit: TimeUnitName): bigint {
  const per = PER_UNIT[unit];
  const q = nanos / per;
  return nanos % per < 0n ? q - 1n : q;
}

/** Microseconds since midnight of a time of day (`13:45`, `13:45:30.25`), or undefined. */
export function parseTime(text: string): bigint | undefined {
  const m = TIME_RE.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[1]),
    mi = Number(m[2]),
    s = Number(m[3] ?? 0);
  if (h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0))) return undefined;
  return BigInt((h * 3600 + mi * 60 + s) * 1_000_000) + BigInt((m[4] ?? '').padEnd(9, '0').slice(0, 6) || '0');
}

const DECIMAL_RE = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

/**
 * The unscaled value of a decimal text at `scale` (rounded half away from zero), or undefined when it is not a
 * decimal or has more than `precision` digits.
 */
export function parseDecimal(text: string, precision: number, scale: number): bigint | undefined {
  const m = DECIMAL_RE.exec(text);
  if (!m || (m[2] === '' && !m[3])) return undefined;
  const frac = m[3] ?? '';
  let v = BigInt((m[2] || '0') + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale && frac.charCodeAt(scale) >= 53) v += 1n;
  if (v >= 10n ** BigInt(precision)) return undefined;
  return m[1] === '-' ? -v : v;
}

/** What a value of each type looks like, for error messages. */
export function expectedOf(type: string): string {
  const known: Record<string, string> = {
    int32: 'an integer from -2147483648 to 2147483647',
    int64: 'an integer from -9223372036854775808 to 9223372036854775807',
    float64: 'a number',
    float32: 'a number',
    bool: 'true or false',
    date: 'an ISO date (2024-01-31)',
    time: 'a time of day (13:45:30)',
  };
  if (known[type]) return known[type];
  if (type.startsWith('timestamp')) return 'an ISO timestamp (2024-01-31 13:45:30, with T, fraction and Z or offset optional)';
  if (type.startsWith('decimal')) return `a decimal number that fits ${type}`;
  if (/^u?int/.test(type)) return `an integer that fits ${type}`;
  return type;
}

/** Powers of ten that are exact doubles (10^0 … 10^22): m / 10^k is then correctly rounded. */
export const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
