import { InputError } from '../errors.js';
import { BIG_INT_MARK } from './infer-types.js';

const LONG_DIGITS = /\d{16}/;

/**
 * JSON.parse for one record, keeping integer literals that a double cannot hold exactly (16 digits
 * or more: BIGINT ids, nanosecond epochs) as `BIG_INT_MARK + digits` strings, which the NDJSON
 * reader and type inference read as int64. Node 20 has no JSON.parse source access, so such
 * literals are quoted in the text first; lines without a run of 16 digits (nearly all) go straight
 * to JSON.parse.
 */
export function parseJsonLine(text: string): unknown {
  return JSON.parse(LONG_DIGITS.test(text) ? quoteLongIntegers(text) : text);
}

function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip a string, escapes included.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      i++;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      if (c === 45) i++;
      const digits = i;
      i = digitsEnd(text, i);
      const intDigits = i - digits;
      // A fraction or exponent makes it a float, which JSON.parse reads as one: skip the whole number.
      let float = false;
      if (text.charCodeAt(i) === 46) {
        float = true;
        i = digitsEnd(text, i + 1);
      }
      if ((text.charCodeAt(i) | 32) === 101) {
        float = true;
        i++;
        if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
        i = digitsEnd(text, i);
      }
      if (intDigits >= 16 && !float) {
        out += `${text.slice(last, start)}"${BIG_INT_MARK.replace('\u0000', '\\u0000')}${text.slice(start, i)}"`;
        last = i;
      }
      continue;
    }
    i++;
  }
  return out + text.slice(last);
}

function digitsEnd(text: string, i: number): number {
  while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
  return i;
}

/** The elements of a JSON array file read whole (big integers kept exact). */
export function wholeJsonArray(file: string, bytes: Buffer): unknown[] {
  let v: unknown;
  try {
    v = parseJsonLine(bytes.toString('utf8'));
  } catch (e) {
    throw new InputError(`${file}: not valid JSON (${(e as Error).message}); a .json input must be JSON lines or one array of objects`, {
      cause: e,
    });
  }
  if (!Array.isArray(v))
    throw new InputError(`${file}: expected a JSON array of objects (or JSON lines), found ${v === null ? 'null' : typeof v}`);
  return v;
}
