// The answer checker of bench/peers.mjs: every run's output file against the reference answer (DuckDB's,
// computed once per case), in DuckDB (in this process, outside every timing): same number of rows, and
// every row's key found on the other side with values equal within a relative 1e-9 (sums in another
// order round differently). A conversion's output is checked by a fingerprint of the whole table
// (row count, sums of the numeric columns, total length of each string column) against its input's.
import { readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';

const CLOSE = (a, b) => `((${a} IS NULL AND ${b} IS NULL) OR abs(${a} - ${b}) <= 1e-9 * greatest(1, abs(${a}), abs(${b})))`;

const NUMERIC = ['id4', 'id5', 'id6', 'v1', 'v2', 'v3'];
const STRINGS = ['id1', 'id2', 'id3'];

/** The first line of a file (a CSV's header). */
function headerOf(file) {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  return buf.toString('utf8', 0, n).split('\n')[0].split(',');
}

/**
 * SQL of an answer file as rows (k0…, v0…): the case's `keys` key columns as text, then `values`
 * columns as doubles, by position (each tool names them its own way). q8 (`long`) becomes db-benchmark's
 * two rows per group with their rank as the second key, from either its long form or quiver's
 * top1/top2 columns. A case without keys (the scan) gets one constant key.
 */
function canonical(c, file) {
  const src = `read_csv('${file}', header = true, all_varchar = true)`;
  const width = headerOf(file).length;
  if (c.long) {
    const tall =
      width === 2
        ? `SELECT #1 AS k0, CAST(#2 AS DOUBLE) AS v FROM ${src}`
        : Array.from({ length: width - 1 }, (_, j) => `SELECT #1 AS k0, CAST(#${j + 2} AS DOUBLE) AS v FROM ${src}`).join(' UNION ALL ');
    return `SELECT k0, CAST(row_number() OVER (PARTITION BY k0 ORDER BY v DESC) AS VARCHAR) AS k1, v AS v0 FROM (${tall}) WHERE v IS NOT NULL`;
  }
  const keys = c.keys === 0 ? ["'all' AS k0"] : Array.from({ length: c.keys }, (_, i) => `#${i + 1} AS k${i}`);
  const values = Array.from({ length: c.values }, (_, j) => `CAST(#${c.keys + j + 1} AS DOUBLE) AS v${j}`);
  return `SELECT ${[...keys, ...values].join(', ')} FROM ${src}`;
}

/** Opens the checker's DuckDB; `close()` when done. */
export async function openChecker() {
  const db = await DuckDBInstance.create(':memory:', { threads: '2' });
  const con = await db.connect();
  const one = async (sql) => (await con.runAndReadAll(sql)).getRowsJS()[0];
  return {
    /** Throws unless `file` holds the same answer as `reference`, with an example of a differing row. */
    async sameAnswer(label, c, reference, file) {
      const nk = c.long ? 2 : Math.max(1, c.keys);
      const nv = c.long ? 1 : c.values;
      const keys = Array.from({ length: nk }, (_, i) => `k${i}`);
      const same = Array.from({ length: nv }, (_, j) => CLOSE(`a.v${j}`, `b.v${j}`)).join(' AND ');
      const cte = `WITH a AS (${canonical(c, reference)}), b AS (${canonical(c, file)})`;
      const [na, nb, nsame] = await one(
        `${cte} SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b), (SELECT count(*) FROM a JOIN b USING (${keys.join(', ')}) WHERE ${same})`,
      );
      if (na === nb && nb === nsame) return;
      const example = await one(
        `${cte} SELECT a.*, b.* FROM a FULL JOIN b USING (${keys.join(', ')}) WHERE NOT coalesce(${same}, false) LIMIT 1`,
      );
      throw new Error(
        `${label}: answer differs from DuckDB's: ${na} rows expected, ${nb} rows, ${nsame} equal; e.g. ${JSON.stringify(example, (_, v) => (typeof v === 'bigint' ? Number(v) : v))}`,
      );
    },
    /** The fingerprint of a table file (the input of a conversion, or its CSV or Arrow output). */
    async fingerprint(file, kind) {
      if (kind === 'arrow') return arrowFingerprint(file);
      const src = kind === 'parquet' ? `read_parquet('${file}')` : `read_csv('${file}')`;
      const row = await one(
        `SELECT count(*), ${NUMERIC.map((n) => `sum(${n})`).join(', ')}, ${STRINGS.map((n) => `sum(strlen(${n}))`).join(', ')} FROM ${src}`,
      );
      return row.map(Number);
    },
    close() {
      con.closeSync();
      db.closeSync();
    },
  };
}

/** The same fingerprint from an Arrow IPC file, with apache-arrow (DuckDB has no Arrow IPC reader). */
function arrowFingerprint(file) {
  const table = tableFromIPC(readFileSync(file));
  const out = [table.numRows, ...NUMERIC.map(() => 0), ...STRINGS.map(() => 0)];
  for (const batch of table.batches) {
    NUMERIC.forEach((n, j) => {
      const values = batch.getChild(n).toArray();
      let s = 0;
      for (let i = 0; i < values.length; i++) s += Number(values[i]);
      out[1 + j] += s;
    });
    STRINGS.forEach((n, j) => {
      for (const d of batch.getChild(n).data) out[1 + NUMERIC.length + j] += stringBytes(d);
    });
  }
  return out;
}

/** Total length of the strings of a Utf8 / LargeUtf8 chunk, or of a dictionary-encoded one. */
function stringBytes(d) {
  if (d.dictionary) {
    const dict = d.dictionary.data[0];
    const len = (k) => Number(dict.valueOffsets[k + 1]) - Number(dict.valueOffsets[k]);
    let s = 0;
    for (let i = 0; i < d.length; i++) s += len(d.values[i]);
    return s;
  }
  return Number(d.valueOffsets[d.length]) - Number(d.valueOffsets[0]);
}

/** Throws unless two fingerprints agree (the float sum within a relative 1e-9). */
export function checkFingerprint(label, want, got) {
  const ok = want.length === got.length && want.every((w, i) => Math.abs(w - got[i]) <= 1e-9 * Math.max(1, Math.abs(w)));
  if (!ok) throw new Error(`${label}: converted table differs from its input: expected ${want.join(' ')}, got ${got.join(' ')}`);
}
