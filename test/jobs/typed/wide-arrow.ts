import { writeFileSync } from 'node:fs';
import {
  BinaryView,
  Decimal,
  Field,
  FixedSizeList,
  Float16,
  Int32,
  LargeBinary,
  LargeList,
  LargeUtf8,
  Map_,
  Struct,
  Table,
  Utf8,
  Utf8View,
  tableToIPC,
  vectorFromArray,
  type DataType,
} from 'apache-arrow';
import type { Canon } from './oracle.js';

/**
 * The Arrow-only layouts of the wide matrix, built with apache-arrow JS (a writer independent of
 * quiver's) from the rows DuckDB holds, so DuckDB's SQL on the same values is the oracle: Float16
 * (DuckDB's FLOAT, every value exact in half precision), Decimal256 within 38 digits, LargeUtf8,
 * LargeBinary, Utf8View, BinaryView, FixedSizeList, LargeList and Map. `d76` is a Decimal256 past
 * DuckDB's 38 digits, built from bigints (its reference is `wideDecimals`, plain BigInt arithmetic).
 */

/** DuckDB's table of the values, a null in every column; long strings make the views use data buffers. */
export const WIDE_SQL = (rows: number) => `SELECT i::INTEGER AS id, (i % 5)::INTEGER AS g,
  CASE WHEN i % 7 = 1 THEN NULL ELSE (((i % 29) - 14) * 0.125 * pow(2, (i % 5) * 3))::FLOAT END AS f16,
  CASE WHEN i % 7 = 2 THEN NULL ELSE ((i % 31) * 123456789012345678.901234 - 1e18)::DECIMAL(38,6) END AS d256,
  CASE WHEN i % 7 = 3 THEN NULL ELSE ['', 'a', 'é', 'a,b', '05', 'line1' || chr(10) || 'line2', 'zz'][(i % 7) + 1] END AS lu,
  CASE WHEN i % 7 = 4 THEN NULL ELSE ['\\x00\\x01'::BLOB, 'ab'::BLOB, ''::BLOB, '\\xFF'::BLOB][(i % 4) + 1] END AS lb,
  CASE WHEN i % 7 = 5 THEN NULL ELSE ['short', 'a string longer than twelve bytes ' || (i % 3), 'é'][(i % 3) + 1] END AS sv,
  CASE WHEN i % 7 = 6 THEN NULL ELSE ['\\x00'::BLOB, ('bytes longer than twelve ' || (i % 4))::BLOB][(i % 2) + 1] END AS bv,
  (CASE WHEN i % 9 = 1 THEN NULL ELSE [i % 4, NULL, -(i % 3)] END)::INTEGER[3] AS fsl,
  CASE WHEN i % 9 = 2 THEN NULL ELSE list_append(range(i % 4)::INTEGER[], CASE WHEN i % 2 = 0 THEN NULL ELSE i::INTEGER END) END AS ll,
  CASE WHEN i % 9 = 3 THEN NULL ELSE MAP(['k' || (i % 3), 'z'], [(i % 7)::INTEGER, NULL]) END AS m
FROM range(${rows}) r(i)`;

/** The same rows as text DuckDB gives (decimals as text, bytes as hex, nested values as JSON), for building. */
export const WIDE_TEXT = `SELECT id, g, f16, d256::VARCHAR, lu, hex(lb), sv, hex(bv), to_json(fsl)::VARCHAR, to_json(ll)::VARCHAR,
  to_json(map_entries(m))::VARCHAR FROM wide ORDER BY id`;

const DEC76 = { precision: 50, scale: 10 };

/** The d76 column's values: past 38 digits, both signs, repeats (for groups), a null every 7th row. */
export function wideDecimals(rows: number): Array<bigint | null> {
  return Array.from({ length: rows }, (_, i) =>
    i % 7 === 4 ? null : (i % 2 === 0 ? 1n : -1n) * (BigInt(i % 13) * 10n ** 45n + BigInt(i % 11) * 1234567891n),
  );
}

/** A bigint as the little-endian 32-bit words of a 256-bit two's complement integer (Arrow's Decimal256). */
function words256(x: bigint): Uint32Array {
  const w = new Uint32Array(8);
  let u = BigInt.asUintN(256, x);
  for (let k = 0; k < 8; k++, u >>= 32n) w[k] = Number(u & 0xffffffffn);
  return w;
}

/** An unscaled bigint from decimal text (`-12.50` at scale 2 is -1250n). */
function unscaled(text: string, scale: number): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole! + frac.padEnd(scale, '0'));
}

const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const int32Item = () => new Field('item', new Int32(), true);

/** Writes the Arrow file from DuckDB's rows (`WIDE_TEXT`) and the d76 values. */
export function writeWideArrow(file: string, rows: Canon[][], d76: Array<bigint | null>): void {
  const column = <T>(k: number, f: (v: Canon) => T) => rows.map((r) => (r[k] === null ? null : f(r[k]!)));
  const json = (k: number) => column(k, (v) => JSON.parse(String(v)) as unknown);
  const vec = (values: unknown[], type: DataType) => vectorFromArray(values as never[], type as never);
  const entries = new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]);
  const table = new Table({
    id: vec(column(0, Number), new Int32()),
    g: vec(column(1, Number), new Int32()),
    f16: vec(column(2, Number), new Float16()),
    d256: vec(
      column(3, (v) => words256(unscaled(String(v), 6))),
      new Decimal(6, 38, 256),
    ),
    lu: vec(column(4, String), new LargeUtf8()),
    lb: vec(
      column(5, (v) => hexBytes(String(v))),
      new LargeBinary(),
    ),
    sv: vec(column(6, String), new Utf8View()),
    bv: vec(
      column(7, (v) => hexBytes(String(v))),
      new BinaryView(),
    ),
    fsl: vec(json(8), new FixedSizeList(3, int32Item())),
    ll: vec(json(9), new LargeList(int32Item())),
    m: vec(
      json(10).map((e) => e && new Map((e as Array<{ key: string; value: number | null }>).map((x) => [x.key, x.value]))),
      new Map_(new Field('entries', entries, false)),
    ),
    d76: vec(
      d76.map((x) => (x === null ? null : words256(x))),
      new Decimal(DEC76.scale, DEC76.precision, 256),
    ),
  });
  writeFileSync(file, tableToIPC(table, 'file'));
}

export { DEC76 };
