import type { BigIntBuilder, DictBuilder, NumberBuilder, Utf8Builder } from './column-builders.js';

/**
 * Reads one simple record into the columns at `row` and returns the offset after its LF, or -1 when
 * the record needs the general path (a quoted field, an empty or null field, a number that is not a
 * plain decimal, a wrong field count, a record at the end of the buffer). What it wrote is then
 * rolled back and the general path reads the record again, so this only has to be right for the
 * records it accepts.
 */
export type FastRecord = (buf: Uint8Array, pos: number, to: number, row: number) => number;

/**
 * The generated reader in two variants. `inside` may only be called for a record that starts before
 * an LF that is before `to` (e.g. before the chunk's last LF): every scan of a field stops at an LF at
 * the latest, so it reads bytes without testing `p < to` (a test per byte in the hot loops) and
 * accepts exactly what `checked` accepts.
 */
export interface FastRecords {
  checked: FastRecord;
  inside: FastRecord;
}

/** Most columns a file may have for the generated reader (see makeFastRecord). */
export const MAX_FAST_COLUMNS = 512;

/** Column kinds of the generated reader (the decoder's numbering). */
export const FAST_KIND = { skip: 0, int32: 1, float64: 2, bool: 3, utf8: 4, dict: 5, int64: 6, other: 7, date: 8, timestamp: 9 } as const;

/**
 * Generates a record reader specialised for one file's columns: straight-line code per field with the
 * delimiter, the field's end byte and its type as constants, so the hot loop has no per-field switch.
 * Only numbers (byte values, column indices) are spliced into the source. Returns a factory that
 * binds one batch's column arrays to both variants.
 */
export function makeFastRecord(
  kinds: ArrayLike<number>,
  delimiter: number,
  quote: number,
  maxRecordBytes: number,
):
  | ((
      i32: Int32Array[],
      f64: Float64Array[],
      dicts: DictBuilder[],
      strs: Utf8Builder[],
      i64: BigIntBuilder[],
      temporal: Array<NumberBuilder | BigIntBuilder>,
    ) => FastRecords)
  | undefined {
  const n = kinds.length;
  // Its source grows by a few hundred bytes per column and V8 compiles it whole: at 40,000 columns
  // building it took about 5 s, for a function too big for V8 to optimize anyway. Wide files take
  // the general path, which is linear in the columns.
  if (n === 0 || n > MAX_FAST_COLUMNS) return undefined;
  // Rare kinds (bool), and those without a byte parser (small ints, decimals, times, …), take the general path.
  for (let f = 0; f < n; f++)
    if (kinds[f] === FAST_KIND.bool || kinds[f] === FAST_KIND.other || kinds[f]! > FAST_KIND.timestamp) return undefined;
  const D = delimiter;
  const Q = quote < 0 ? -2 : quote;
  // `@IN ` guards a byte read (`p < to && `) and `@AT` reads the byte at p or -1 past `to`; the
  // variant for records known to end before `to` drops both (see FastRecords.inside).
  const lines: string[] = [];
  const bind: string[] = [];
  lines.push('let p = pos, b = 0, c = 0, s = 0, e = 0, v = 0, m = 0, k = 0, neg = false;');
  for (let f = 0; f < n; f++) {
    const last = f === n - 1;
    const E = last ? 10 : D;
    // After a field's text, `b` holds the byte at p (or -1 at `to`); a CR before the final LF is allowed.
    const endCheck = last ? `if (b === 13) { p++; b = @AT; } if (b !== 10) return -1; p++;` : `if (b !== ${E}) return -1; p++;`;
    switch (kinds[f]) {
      case FAST_KIND.skip:
        lines.push(`s = p; if (@IN buf[p] === ${Q}) return -1;`);
        lines.push(`while (@IN (b = buf[p]) !== ${D} && b !== 10) p++; b = @AT;`);
        lines.push(last ? `if (b !== 10) return -1; p++;` : `if (b !== ${D}) return -1; p++;`);
        break;
      case FAST_KIND.int32:
        bind.push(`const I${f} = i32[${f}];`);
        lines.push(`b = @AT; neg = b === 45; if (neg || b === 43) p++; s = p; v = 0;`);
        lines.push(`while (@IN (c = buf[p] - 48) >= 0 && c <= 9) { v = v * 10 + c; p++; }`);
        lines.push(`k = p - s; if (k === 0 || k > 10) return -1; if (neg) v = -v; if (v > 2147483647 || v < -2147483648) return -1;`);
        lines.push(`b = @AT; ${endCheck} I${f}[row] = v;`);
        break;
      case FAST_KIND.int64:
        // Up to 15 digits is below 2^53: two 32-bit stores into the column's words, no BigInt.
        bind.push(`const L${f} = i64[${f}];`);
        lines.push(`b = @AT; neg = b === 45; if (neg || b === 43) p++; s = p; v = 0;`);
        lines.push(`while (@IN (c = buf[p] - 48) >= 0 && c <= 9) { v = v * 10 + c; p++; }`);
        lines.push(`k = p - s; if (k === 0 || k > 15) return -1; if (neg) v = -v;`);
        lines.push(`b = @AT; ${endCheck} L${f}.setSafe(row, v);`);
        break;
      case FAST_KIND.date:
      case FAST_KIND.timestamp: {
        // The builder parses the ISO bytes (io/temporal-bytes.ts); an empty or unusual value takes the general path.
        bind.push(`const T${f} = temporal[${f}];`);
        lines.push(`s = p; while (@IN (b = buf[p]) !== ${D} && b !== 10) p++; b = @AT; e = p;`);
        if (last) lines.push(`if (b !== 10) return -1; if (buf[e - 1] === 13) e--; p++;`);
        else lines.push(`if (b !== ${D}) return -1; p++;`);
        lines.push(`if (e === s || !T${f}.setBytes(buf, s, e, row)) return -1;`);
        break;
      }
      case FAST_KIND.float64:
        bind.push(`const F${f} = f64[${f}];`);
        lines.push(`b = @AT; neg = b === 45; if (neg || b === 43) p++; s = p; m = 0;`);
        lines.push(`while (@IN (c = buf[p] - 48) >= 0 && c <= 9) { m = m * 10 + c; p++; }`);
        lines.push(
          `k = p - s; e = 0; if (@IN buf[p] === 46) { p++; s = p; while (@IN (c = buf[p] - 48) >= 0 && c <= 9) { m = m * 10 + c; p++; } ` +
            `e = p - s; k += e; }`,
        );
        lines.push(`if (k === 0 || m >= 9007199254740992 || e > 22) return -1;`);
        lines.push(`b = @AT; ${endCheck} v = e === 0 ? m : m / P10[e]; F${f}[row] = neg ? -v : v;`);
        break;
      case FAST_KIND.utf8:
      case FAST_KIND.dict: {
        const target = kinds[f] === FAST_KIND.dict ? `T${f}` : `S${f}`;
        bind.push(kinds[f] === FAST_KIND.dict ? `const T${f} = dicts[${f}];` : `const S${f} = strs[${f}];`);
        lines.push(`s = p; while (@IN (b = buf[p]) !== ${D} && b !== 10) p++; b = @AT;`);
        lines.push(`if (p === s || buf[s] === ${Q}) return -1; e = p;`);
        if (last) lines.push(`if (b !== 10) return -1; if (buf[e - 1] === 13) { e--; if (e === s) return -1; } p++;`);
        else lines.push(`if (b !== ${D}) return -1; p++;`);
        lines.push(`${target}.append(row, buf, s, e);`);
        break;
      }
    }
  }
  lines.push(`if (p - pos > ${maxRecordBytes}) return -1;`, 'return p;');
  const body = lines.join('\n');
  const checked = body.replaceAll('@IN ', 'p < to && ').replaceAll('@AT', '(p < to ? buf[p] : -1)');
  const inside = body.replaceAll('@IN ', '').replaceAll('@AT', 'buf[p]');
  const source =
    `${bind.join('\n')}\nreturn {\nchecked: function fastRecord(buf, pos, to, row) {\n${checked}\n},\ninside: function ` +
    `fastRecordInside(buf, pos, to, row) {\n${inside}\n},\n};`;
  let factory = factories.get(source);
  if (!factory) {
    factory = new Function('P10', 'i32', 'f64', 'dicts', 'strs', 'i64', 'temporal', source) as Factory;
    factories.set(source, factory);
  }
  const make = factory;
  return (i32, f64, dicts, strs, i64, temporal) => make(P10, i32, f64, dicts, strs, i64, temporal);
}

type Factory = (
  p10: number[],
  i32: Int32Array[],
  f64: Float64Array[],
  dicts: DictBuilder[],
  strs: Utf8Builder[],
  i64: BigIntBuilder[],
  temporal: Array<NumberBuilder | BigIntBuilder>,
) => FastRecords;

const P10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Generated readers by source, for the life of the thread: every split of a file (and every file of
 * the same layout) reuses one function, so V8 compiles and optimizes it once instead of once per task
 * (a fresh `new Function` is a fresh function to V8: measured here, recompiling it for each of 8 splits
 * cost about as much background CPU as the GC).
 */
const factories = new Map<string, Factory>();
