import { DataType, TimeUnit, makeVector, type Data, type Table } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, expect } from 'vitest';

/**
 * DuckDB as the oracle of the built-in jobs' typed results: its rows and a quiver table's rows turned
 * into one canonical form per cell, compared exactly (integers and decimals as text, dates as days,
 * timestamps as integer counts of their unit, bytes as hex), floats within a relative 1e-12.
 */

/** A cell in canonical form. */
export type Canon = string | number | boolean | null;

/** One DuckDB connection for the test file. */
export function duckdb(): { sql: (text: string) => Promise<Canon[][]>; run: (text: string) => Promise<void> } {
  let con: DuckDBConnection | undefined;
  let close: (() => void) | undefined;
  beforeAll(async () => {
    const db = await DuckDBInstance.create(':memory:');
    con = await db.connect();
    close = () => {
      con!.closeSync();
      db.closeSync();
    };
  });
  afterAll(() => close?.());
  return {
    sql: async (text) => (await con!.runAndReadAll(text)).getRows().map((r) => r.map(duckCanon)),
    run: async (text) => void (await con!.run(text)),
  };
}

/** A DuckDB value (node-api's JS classes) in canonical form. */
function duckCanon(v: unknown): Canon {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  const o = v as Record<string, unknown>;
  if ('micros' in o) return `us:${o.micros}`;
  if ('nanos' in o) return `ns:${o.nanos}`;
  if ('millis' in o) return `ms:${o.millis}`;
  if ('seconds' in o) return `s:${o.seconds}`;
  if ('days' in o) return `d:${o.days}`;
  if ('scale' in o && 'value' in o) return decimalText(o.value as bigint, o.scale as number);
  if ('bytes' in o) return Buffer.from(o.bytes as Uint8Array).toString('hex');
  if ('hugeint' in o) return String(v).toLowerCase();
  return String(v);
}

/** An unscaled decimal as DuckDB writes it: every digit of the scale, a leading 0 before the point. */
export function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

const UNIT = { [TimeUnit.SECOND]: 's', [TimeUnit.MILLISECOND]: 'ms', [TimeUnit.MICROSECOND]: 'us', [TimeUnit.NANOSECOND]: 'ns' };

/** Every row of a quiver result in canonical form, read from the Arrow buffers (not through `get`). */
export function tableRows(table: Table): Canon[][] {
  const columns = table.schema.fields.map((f) => {
    const out: Canon[] = [];
    for (const d of table.getChild(f.name)!.data)
      for (let i = 0; i < d.length; i++) out.push(cellOf(d, i, f.metadata.get('ARROW:extension:name') === 'arrow.uuid'));
    return out;
  });
  return Array.from({ length: table.numRows }, (_, i) => columns.map((c) => c[i]!));
}

function cellOf(d: Data, i: number, uuid: boolean): Canon {
  if (d.nullCount > 0 && !d.getValid(i)) return null;
  const t = d.type;
  const values = d.values as ArrayLike<number | bigint>;
  // As node-api gives them: numbers up to 32 bits, bigints (here text) beyond.
  if (DataType.isInt(t)) return t.bitWidth <= 32 ? Number(values[i]) : String(values[i]);
  if (DataType.isFloat(t)) return Number(values[i]);
  if (DataType.isBool(t)) return ((d.values[(d.offset + i) >> 3]! >> ((d.offset + i) & 7)) & 1) === 1;
  if (DataType.isDate(t)) return `d:${t.unit === 0 ? values[i] : Number(values[i]) / 86_400_000}`;
  if (DataType.isTimestamp(t)) return `${UNIT[t.unit]}:${values[i]}`;
  if (DataType.isDecimal(t)) {
    const w = t.bitWidth / 32;
    const words = d.values as Uint32Array;
    let x = 0n;
    for (let k = w - 1; k >= 0; k--) x = (x << 32n) | BigInt(words[i * w + k]!);
    return decimalText(BigInt.asIntN(t.bitWidth, x), t.scale);
  }
  if (DataType.isFixedSizeBinary(t)) {
    const hex = Buffer.from((d.values as Uint8Array).subarray(i * t.byteWidth, (i + 1) * t.byteWidth)).toString('hex');
    return uuid || t.byteWidth === 16
      ? `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
      : hex;
  }
  if (DataType.isBinary(t))
    return Buffer.from((d.values as Uint8Array).subarray(d.valueOffsets[i] as number, d.valueOffsets[i + 1] as number)).toString('hex');
  if (DataType.isUtf8(t))
    return Buffer.from((d.values as Uint8Array).subarray(d.valueOffsets[i] as number, d.valueOffsets[i + 1] as number)).toString('utf8');
  if (DataType.isUtf8View(t) || DataType.isLargeUtf8(t)) return String(makeVector(d).get(i));
  return String(d.type);
}

/** Expects the same rows (in the same order), cell by cell; floats within a relative 1e-12. */
export function expectSameRows(got: Canon[][], want: Canon[][], what: string): void {
  expect(got.length, `${what}: rows`).toBe(want.length);
  want.forEach((row, r) => {
    expect(got[r]!.length, `${what}: columns`).toBe(row.length);
    row.forEach((w, c) => {
      const g = got[r]![c];
      if (typeof w === 'number' && typeof g === 'number' && !(Number.isNaN(w) && Number.isNaN(g))) {
        expect(Math.abs(g - w) <= 1e-12 * Math.max(1, Math.abs(w)), `${what}: row ${r} column ${c}: ${g} vs DuckDB ${w}`).toBe(true);
      } else expect(g, `${what}: row ${r} column ${c}`).toEqual(w);
    });
  });
}

/** Rows ordered by their canonical text, for results whose order SQL leaves open. */
export function sortRows(rows: Canon[][]): Canon[][] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
