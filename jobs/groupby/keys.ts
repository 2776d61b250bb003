import type { RecordBatch } from 'apache-arrow';
import { joinKey, type JobContext } from 'quiver';
import type { Groups } from './groups.js';

/**
 * Dictionary codes of composite-key parts, per worker: each part value gets a small dense code, and a
 * row's key is the number code0·2^B + code1 (…), so the per-row work is a few lookups of short keys
 * instead of building and hashing one joined string per row. Keys go back to `joinKey` strings at
 * `flush`, because codes differ between workers.
 */
export class PartCodes {
  private readonly codes: Array<Map<string | number, number>>;
  private readonly values: Array<Array<string | number>>;
  constructor(parts: number, readonly bits: number) {
    this.codes = Array.from({ length: parts }, () => new Map());
    this.values = Array.from({ length: parts }, () => []);
  }
  /** The combined code of each row, or undefined once a part has more distinct values than `bits` allow. */
  encode(cols: Array<ArrayLike<string | number>>, n: number): Float64Array | undefined {
    const out = new Float64Array(n);
    const limit = 2 ** this.bits;
    for (let j = 0; j < cols.length; j++) {
      const col = cols[j]!;
      const codes = this.codes[j]!;
      const values = this.values[j]!;
      for (let i = 0; i < n; i++) {
        const v = col[i]!;
        let c = codes.get(v);
        if (c === undefined) {
          c = values.length;
          if (c >= limit) return undefined;
          codes.set(v, c);
          values.push(v);
        }
        out[i] = out[i]! * limit + c;
      }
    }
    return out;
  }
  /** The `joinKey` string of a combined code. */
  decode(code: number): string {
    const parts = new Array<string | number>(this.values.length);
    for (let j = this.values.length - 1; j >= 0; j--) {
      const c = code % 2 ** this.bits;
      parts[j] = this.values[j]![c]!;
      code = (code - c) / 2 ** this.bits;
    }
    return joinKey(...parts);
  }
}

/** The group key of every row: a column's values, composite codes (see PartCodes), or joined strings. */
export function keysOf(batch: RecordBatch, by: string[], ctx: JobContext, groups: Groups): ArrayLike<string | number> {
  const cols = by.map((c) => {
    const type = String(batch.getChild(c)?.type ?? '');
    return /Utf8|Dictionary/.test(type) ? ctx.strings(batch, c) : (ctx.column(batch, c) as ArrayLike<number>);
  });
  if (cols.length === 1) return cols[0]!;
  const state = ctx.state as { parts?: PartCodes | null };
  // 53 bits of a double shared by the parts; beyond that (or once a part outgrows its bits) join strings.
  if (state.parts === undefined) state.parts = cols.length <= 3 ? new PartCodes(cols.length, Math.floor(53 / cols.length)) : null;
  const codes = state.parts?.encode(cols, batch.numRows);
  if (codes) return codes;
  if (state.parts) {
    // A part outgrew its bits: re-key the groups made so far by their joined strings, and join from now on.
    groups.rekey((code) => state.parts!.decode(code as number));
    state.parts = null;
  }
  const out = new Array<string>(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = joinKey(...cols.map((c) => c[i] as string | number));
  return out;
}
