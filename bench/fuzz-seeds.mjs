// Seed files for bench/fuzz.mjs and the independent readers that say what a (mutated) file holds.
//
// Every seed is small (a few KB; the "big" ones a few MB, for the file-shrinks-while-read case) and made
// deterministically from one table of rows with nulls in every column, by the writer each format has in
// the wild: Arrow JS for Arrow IPC, quiver, DuckDB and Polars for Parquet, plain text for CSV / TSV /
// NDJSON / text, node:zlib and the zstd CLI (which writes frame checksums) for .gz and .zst.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { Float64, Table, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';

/** A small xorshift PRNG: the whole campaign follows from `--seed`. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (a) => a[Math.floor(next() * a.length)] };
}

const GROUPS = ['alpha', 'beta', 'gamma', 'δέλτα', null];

/** `n` rows of { id, g, v } with nulls in g and v. */
function rows(n, seed) {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => ({ id: i, g: r.pick(GROUPS), v: i % 7 === 3 ? null : Math.round(r.next() * 100000) / 1000 }));
}

const csvOf = (rs, d) => ['id' + d + 'g' + d + 'v', ...rs.map((r) => `${r.id}${d}${r.g ?? ''}${d}${r.v ?? ''}`)].join('\n') + '\n';
// A JSON array with one element a line, as quiver's `-o x.json` and DuckDB's `ARRAY true` write it.
const jsonArrayOf = (rs) => `[\n${rs.map((r) => JSON.stringify({ id: r.id, g: r.g, v: r.v })).join(',\n')}\n]\n`;
const ndjsonOf = (rs) => rs.map((r) => JSON.stringify({ id: r.id, g: r.g, v: r.v, m: { x: r.id % 5, y: r.g } })).join('\n') + '\n';

/** An Arrow table of the rows in batches of `batch` rows. */
function arrowTable(rs, batch) {
  const batches = [];
  for (let i = 0; i < rs.length; i += batch) {
    const part = rs.slice(i, i + batch);
    const t = new Table({
      id: makeVector(Int32Array.from(part.map((r) => r.id))),
      g: vectorFromArray(
        part.map((r) => r.g),
        new Utf8(),
      ),
      v: vectorFromArray(
        part.map((r) => r.v),
        new Float64(),
      ),
    });
    batches.push(...t.batches);
  }
  return new Table(batches);
}

function text(bytes, seed) {
  const r = rng(seed);
  const words = [
    'the',
    'quick',
    'brown',
    'fox',
    'jumps',
    'over',
    'lazy',
    'dog',
    'café',
    'naïve',
    'straße',
    'über',
    'a',
    'of',
    'map',
    'reduce',
  ];
  const lines = [];
  let n = 0;
  while (n < bytes) {
    const line = Array.from({ length: 1 + r.int(12) }, () => r.pick(words)).join(' ');
    lines.push(line);
    n += Buffer.byteLength(line) + 1;
  }
  return lines.join('\n') + '\n';
}

const zstd = (file) => execFileSync('zstd', ['-q', '-f', '--check', file, '-o', `${file}.zst`]);

/**
 * Writes the seed files into `dir`; returns [{ name, file, format, kind }] where `format` is the
 * reference reader's format and `kind` the job family ('table' or 'text').
 */
export async function makeSeeds(dir, cli) {
  const small = rows(300, 7);
  const seeds = [];
  const add = (name, format, kind, bytes) => {
    const file = path.join(dir, name);
    if (bytes !== undefined) writeFileSync(file, bytes);
    seeds.push({ name, file, format, kind });
  };
  add('table.arrow', 'arrow', 'table', tableToIPC(arrowTable(small, 100), 'file'));
  add('table.arrows', 'arrow', 'table', tableToIPC(arrowTable(small, 100), 'stream'));
  add('table.csv', 'csv', 'table', csvOf(small, ','));
  add('table.tsv', 'tsv', 'table', csvOf(small, '\t'));
  add('table.ndjson', 'ndjson', 'table', ndjsonOf(small));
  add('table.json', 'json', 'table', jsonArrayOf(small));
  add('table.csv.gz', 'csv', 'table', gzipSync(csvOf(small, ',')));
  writeFileSync(path.join(dir, 'table.ndjson'), ndjsonOf(small));
  zstd(path.join(dir, 'table.ndjson'));
  add('table.ndjson.zst', 'ndjson', 'table');
  const words = text(30_000, 3);
  add('words.txt', 'text', 'text', words);
  add('words.txt.gz', 'text', 'text', gzipSync(words));
  zstd(path.join(dir, 'words.txt'));
  add('words.txt.zst', 'text', 'text');
  // Parquet from three writers: quiver (parquet-wasm), DuckDB and Polars.
  execFileSync(process.execPath, [cli, 'convert', path.join(dir, 'table.csv'), path.join(dir, 'quiver.parquet'), '--overwrite', '-q'], {
    stdio: 'ignore',
  });
  add('quiver.parquet', 'parquet', 'table');
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(
    `COPY (SELECT * FROM read_csv('${path.join(dir, 'table.csv')}')) TO '${path.join(dir, 'duckdb.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 100)`,
  );
  con.closeSync();
  add('duckdb.parquet', 'parquet', 'table');
  pl.readCSV(path.join(dir, 'table.csv')).writeParquet(path.join(dir, 'polars.parquet'), { compression: 'snappy' });
  add('polars.parquet', 'parquet', 'table');
  return seeds;
}

/** Bigger seeds (a few MB) for the file-shrinks-while-read case: big enough that a run is still reading when the file is cut. */
export function makeBigSeeds(dir) {
  const big = rows(150_000, 9);
  const out = [];
  const add = (name, format, kind, bytes) => {
    writeFileSync(path.join(dir, name), bytes);
    out.push({ name, file: path.join(dir, name), format, kind });
  };
  add('big.txt', 'text', 'text', text(6_000_000, 5));
  add('big.csv', 'csv', 'table', csvOf(big, ','));
  add('big.arrow', 'arrow', 'table', tableToIPC(arrowTable(big, 10_000), 'file'));
  add('big.ndjson', 'ndjson', 'table', ndjsonOf(big.slice(0, 60_000)));
  return out;
}

/**
 * What a file holds, by a reader independent of quiver: `{ ok: true, rows, sum, words? }` or
 * `{ ok: false, why }` when the reader rejects it. `sum` is the sum of the non-null v values.
 * `readers.sql(query)` gives a DuckDB query's first row, `readers.arrow(file)` flechette's
 * `{ ok, rows, sum }`, `readers.polars(file)` Polars' (for Parquet DuckDB refuses): bench/fuzz-reference.mjs runs both in a child process of its own, since a
 * mutated file crashed each of them once (DuckDB segfaulted, flechette allocated without bound).
 */
export async function referenceOf(file, format, readers) {
  try {
    if (format === 'arrow') return await readers.arrow(file);
    if (format === 'text') {
      const bytes = decompressed(file);
      if (!isUtf8(bytes)) return { ok: false, why: 'not UTF-8' };
      const s = bytes.toString('utf8');
      const lines = s === '' ? 0 : s.split('\n').length - (s.endsWith('\n') ? 1 : 0);
      let words = 0;
      for (const w of s.split(/\s+/)) if (w !== '') words++;
      return { ok: true, rows: lines, words };
    }
    if (statSync(file).size === 0) return { ok: true, rows: 0, sum: 0 }; // DuckDB finds no columns in an empty file
    const src = sqlString(file);
    const sql =
      format === 'parquet'
        ? `SELECT count(*)::DOUBLE, sum(v)::DOUBLE FROM read_parquet(${src})`
        : format === 'ndjson'
          ? `SELECT count(*)::DOUBLE, sum(TRY_CAST(v AS DOUBLE)) FROM read_json(${src}, format='newline_delimited')`
          : format === 'json'
            ? `SELECT count(*)::DOUBLE, sum(TRY_CAST(v AS DOUBLE)) FROM read_json(${src}, format='array')`
            : // By position, without the header: a mutated header renames v, and its row is not data.
              `SELECT count(*)::DOUBLE - 1, sum(TRY_CAST(column2 AS DOUBLE)) FROM read_csv(${src}, header=false, delim='${format === 'tsv' ? '\t' : ','}', quote='"', escape='"', all_varchar=true, strict_mode=true)`;
    let rows;
    let sum;
    try {
      [rows, sum] = await readers.sql(sql);
    } catch (e) {
      // A CSV cut inside its header's first field has one column and no value column: its rows are still
      // counted (inspect's exact count of a header-only file is 0), and a run by the missing column fails.
      if ((format === 'csv' || format === 'tsv') && /Referenced column "column2" not found/.test(String(e.message ?? e))) {
        const [n] = await readers.sql(sql.replace('sum(TRY_CAST(column2 AS DOUBLE))', '0::DOUBLE'));
        return { ok: true, rows: Math.max(0, Number(n)), sum: 0 };
      }
      // DuckDB's names are case-insensitive and JSON's are not: keys that differ only in case ("y" in one
      // record, "Y" in another) make DuckDB refuse the whole file (seed 15, case 2734), where they are two
      // fields. The reference then reads v alone, which is all it needs.
      if ((format === 'ndjson' || format === 'json') && /Duplicate name "[^"]*" in struct auto-detected/.test(String(e.message ?? e))) {
        const only = sql.replace(/format='(newline_delimited|array)'\)/, "format='$1', columns={'v': 'VARCHAR'})");
        const [n, s] = await readers.sql(only);
        return {
          ok: true,
          rows: Math.max(0, Number(n)),
          sum: s == null ? 0 : nanText(Number(s)),
          by: 'DuckDB reading v alone (it refused keys that differ only in case)',
        };
      }
      // DuckDB checks more of a Parquet footer than it needs (a flipped bit in a field no reader uses:
      // "TProtocolException: Invalid data"): Polars, a second independent reader, then says what the file
      // holds, and quiver must agree with it; both refusing is a rejected file.
      if (format !== 'parquet' || !readers.polars) throw e;
      const p = readers.polars(file);
      if (!p.ok) throw e;
      return {
        ...p,
        by: `Polars (DuckDB: ${String(e.message ?? e)
          .split('\n')[0]
          .slice(0, 120)})`,
      };
    }
    return { ok: true, rows: Math.max(0, Number(rows)), sum: sum == null ? 0 : nanText(Number(sum)) };
  } catch (e) {
    return {
      ok: false,
      why: String(e.message ?? e)
        .split('\n')[0]
        .slice(0, 200),
    };
  }
}

/** flechette's reading of an Arrow file: its rows and v sum, every column decoded. */
export async function flechetteReference(file) {
  const { tableFromIPC } = await import('@uwdata/flechette');
  try {
    const t = tableFromIPC(readFileSync(file));
    const v = t.getChild('v');
    let sum = 0;
    for (const x of v ? v.toArray() : []) if (x != null) sum += Number(x);
    for (const c of t.children) c.toArray(); // decode every column, not just v
    return { ok: true, rows: t.numRows, sum: v ? nanText(sum) : undefined };
  } catch (e) {
    return {
      ok: false,
      why: String(e?.message || e)
        .split('\n')[0]
        .slice(0, 200),
    };
  }
}

/** Polars' reading of a Parquet file: its rows and v sum (as float64: an Int32 column's own sum wraps). */
export function polarsReference(file) {
  try {
    const df = pl.readParquet(file);
    const v = df.columns.includes('v') ? df.getColumn('v').cast(pl.Float64) : undefined;
    for (const c of df.columns) df.getColumn(c).toArray(); // decode every column, not just v
    return { ok: true, rows: df.height, sum: v ? nanText(Number(v.sum() ?? 0)) : undefined };
  } catch (e) {
    return {
      ok: false,
      why: String(e?.message || e)
        .split('\n')[0]
        .slice(0, 200),
    };
  }
}

/** A sum that is NaN (a NaN among the values, as SQL and IEEE add them) as the text 'NaN', which survives JSON and IPC. */
const nanText = (x) => (Number.isNaN(x) ? 'NaN' : x);

const sqlString = (s) => `'${s.replace(/'/g, "''")}'`;

/** A file's bytes, decompressed by tools that check the gzip CRC and the zstd frame checksum. */
function decompressed(file) {
  const bytes = readFileSync(file);
  if (file.endsWith('.gz')) return gunzipSync(bytes);
  if (file.endsWith('.zst'))
    return execFileSync('zstd', ['-q', '-d', '-c', file], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  return bytes;
}

/** Counts rows and the v sum of a Parquet file quiver wrote, with DuckDB (`sql`, as for referenceOf): `{ ok, rows, sum }`. */
export async function parquetOutput(file, sql) {
  try {
    const [rows, sum] = await sql(
      `SELECT count(*)::DOUBLE, sum(TRY_CAST(COLUMNS(c -> c = 'v') AS DOUBLE)) FROM read_parquet(${sqlString(file)})`,
    );
    return { ok: true, rows: Number(rows), sum: sum == null ? 0 : nanText(Number(sum)) };
  } catch {
    try {
      const [rows] = await sql(`SELECT count(*)::DOUBLE FROM read_parquet(${sqlString(file)})`);
      return { ok: true, rows: Number(rows) };
    } catch (e2) {
      return {
        ok: false,
        why: String(e2.message ?? e2)
          .split('\n')[0]
          .slice(0, 200),
      };
    }
  }
}
