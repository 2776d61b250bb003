/**
 * Parsing of text values into the column types, shared by the CSV and NDJSON readers and by type
 * inference. These are the slow paths: the CSV decoder parses plain numbers inline and falls back here.
 */

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
    case 'true': case 't': case 'yes': case '1':
      return true;
    case 'false': case 'f': case 'no': case '0':
      return false;
    default:
      return undefined;
  }
}

/** What a value of each type looks like, for error messages. */
export const EXPECTED: Record<string, string> = {
  int32: 'an integer from -2147483648 to 2147483647',
  float64: 'a number',
  bool: 'true or false',
};

/** Powers of ten that are exact doubles (10^0 … 10^22): m / 10^k is then correctly rounded. */
export const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
