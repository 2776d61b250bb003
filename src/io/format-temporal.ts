/**
 * Dates, times, timestamps, intervals and durations as text, exactly as DuckDB writes them in CSV
 * (`COPY … TO 'x.csv'`): `2020-01-31`, `12:34:56.789`, `2020-01-31 12:34:56.123456789`, a time
 * zone as `+00` (the instant in UTC), years before 1 as `0045-03-15 (BC)`, fractions with their
 * trailing zeros cut, intervals as `1 year 2 months 3 days 04:05:06.5`. DuckDB and Polars read these
 * back to DATE / TIMESTAMP / TIME, so quiver's CSV and NDJSON keep their types through other tools.
 * Every function is exact over the whole 64-bit range: digits come from integer arithmetic only.
 */

/** Units per second of Arrow's time units (SECOND, MILLISECOND, MICROSECOND, NANOSECOND: enum 0–3). */
const PER_SECOND = [1, 1e3, 1e6, 1e9] as const;
const DIGITS = [0, 3, 6, 9] as const;
const BIG_PER_SECOND = PER_SECOND.map(BigInt);

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

// Rows of a column mostly share their day with the row before (sorted or clustered timestamps), so
// the last day's text is kept: it halves the cost of a timestamp column.
let lastDays = NaN;
let lastText = '';

/** `YYYY-MM-DD` of a count of days since 1970-01-01 (proleptic Gregorian; year ≤ 0 as DuckDB's `(BC)`). */
export function dateText(days: number): string {
  if (days !== lastDays) {
    lastText = civilText(days);
    lastDays = days;
  }
  return lastText;
}

function civilText(days: number): string {
  // Howard Hinnant's days_from_civil inverse: exact integer arithmetic over ±2^31 days.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const year = y > 0 ? y : 1 - y; // there is no year 0: 1 BC is year 0 in the proleptic calendar
  return `${String(year).padStart(4, '0')}-${pad2(m)}-${pad2(d)}${y > 0 ? '' : ' (BC)'}`;
}

/** `.fff…` of a fraction of a second in `digits` digits, trailing zeros cut (empty for none). */
function fractionText(units: number, digits: number): string {
  if (units === 0) return '';
  return '.' + String(units).padStart(digits, '0').replace(/0+$/, '');
}

/** `HH:MM:SS[.fff]` of whole seconds (hours may pass 23) and a fraction in `digits` digits. */
function clockText(seconds: number, fraction: number, digits: number): string {
  const h = Math.floor(seconds / 3600);
  const rest = seconds - h * 3600;
  return `${pad2(h)}:${pad2(Math.floor(rest / 60))}:${pad2(rest % 60)}${fractionText(fraction, digits)}`;
}

/** A count of `unit`s as whole seconds (floored) and the non-negative remainder in units. */
function splitSeconds(value: number | bigint, unit: number): [seconds: number, fraction: number] {
  const per = PER_SECOND[unit]!;
  if (typeof value === 'number' || (value <= 9007199254740991n && value >= -9007199254740991n)) {
    // `%` is exact on doubles, and (n - r) is then a multiple of `per`, so the division is exact too.
    const n = Number(value);
    const r = ((n % per) + per) % per;
    return [(n - r) / per, r];
  }
  const big = BIG_PER_SECOND[unit]!;
  let r = value % big;
  if (r < 0n) r += big;
  return [Number((value - r) / big), Number(r)];
}

/** A timestamp (a count of `unit`s since the epoch) as DuckDB writes it; `zoned` adds `+00` (the value is UTC). */
export function timestampText(value: number | bigint, unit: number, zoned: boolean): string {
  const [seconds, fraction] = splitSeconds(value, unit);
  const days = Math.floor(seconds / 86400);
  return `${dateText(days)} ${clockText(seconds - days * 86400, fraction, DIGITS[unit]!)}${zoned ? '+00' : ''}`;
}

/** A time of day (a count of `unit`s since midnight) as `HH:MM:SS[.fff]`. */
export function timeText(value: number | bigint, unit: number): string {
  const [seconds, fraction] = splitSeconds(value, unit);
  return clockText(seconds, fraction, DIGITS[unit]!);
}

/** The `[-]HH:MM:SS[.fff]` part of an interval: a signed length of time in `unit`s. */
function signedClockText(value: number | bigint, unit: number): string {
  const negative = value < 0;
  const magnitude = typeof value === 'bigint' ? (negative ? -value : value) : Math.abs(value);
  const [seconds, fraction] = splitSeconds(magnitude, unit);
  return (negative ? '-' : '') + clockText(seconds, fraction, DIGITS[unit]!);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 || n === -1 ? '' : 's'}`;

/**
 * An interval as DuckDB writes it: `2 years 2 months 1 day 00:00:00.5`, `-1 day -01:57:00`, `26:00:00`
 * (each part signed on its own, as the parts are independent), `00:00:00` when all are zero.
 * `time` is a length in `unit`s; a Duration is an interval of time only (as DuckDB reads Arrow's).
 */
export function intervalText(months: number, days: number, time: number | bigint, unit: number): string {
  const parts: string[] = [];
  const years = Math.trunc(months / 12);
  if (years !== 0) parts.push(plural(years, 'year'));
  if (months - years * 12 !== 0) parts.push(plural(months - years * 12, 'month'));
  if (days !== 0) parts.push(plural(days, 'day'));
  if ((time !== 0 && time !== 0n) || parts.length === 0) parts.push(signedClockText(time, unit));
  return parts.join(' ');
}
