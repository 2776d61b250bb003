// The input files of bench/peers.mjs, made once per row count into bench/data/peers-<rows>/ (gitignored).
//
// Hypothesis: none — this file only makes inputs. The db-benchmark G1 table comes from quiver's own
// generator (src/datasets/groupby.ts) as Arrow IPC; every other format is written by the tool a user
// would get it from, not by quiver, so quiver reads files it did not write:
//
//   g1.arrow                       quiver's generator (apache-arrow writer)
//   g1.csv                         Polars (readIPC → writeCSV)
//   g1-polars-{snappy,zstd}.parquet Polars (readIPC → writeParquet; strings as BYTE_ARRAY, 32-bit integers)
//   g1-duckdb-{snappy,zstd}.parquet DuckDB (COPY from the CSV read with INTEGER/DOUBLE/VARCHAR columns)
//   g1.ndjson                      DuckDB (COPY … (FORMAT json): one object a line)
//   text.txt                       quiver's text generator (Zipf words, single spaces, \n lines)
//
//   node bench/peers-data.mjs --rows 2000000 [--text-mb 200]
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { DATA_DIR, ROOT } from './data.mjs';

/** The formats of the group-by table, by the name `--formats` takes: file name and quiver's reader. */
export const FORMATS = {
  csv: { file: 'g1.csv', title: 'CSV (Polars)' },
  'parquet-duckdb-snappy': { file: 'g1-duckdb-snappy.parquet', title: 'Parquet DuckDB Snappy' },
  'parquet-duckdb-zstd': { file: 'g1-duckdb-zstd.parquet', title: 'Parquet DuckDB zstd' },
  'parquet-polars-snappy': { file: 'g1-polars-snappy.parquet', title: 'Parquet Polars Snappy' },
  'parquet-polars-zstd': { file: 'g1-polars-zstd.parquet', title: 'Parquet Polars zstd' },
  arrow: { file: 'g1.arrow', title: 'Arrow IPC' },
  ndjson: { file: 'g1.ndjson', title: 'NDJSON (DuckDB)' },
};

/** The kind of reader a format needs: csv, parquet, arrow or ndjson. */
export const kindOf = (format) => format.split('-')[0];

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist/src', p)).href);

const mb = (file) => (statSync(file).size / 2 ** 20).toFixed(0);

/** Writes `file` through `write(tmp)` unless it exists; the rename keeps a half-written file from being cached. */
async function once(file, write) {
  if (existsSync(file)) return;
  const t = performance.now();
  const tmp = `${file}.tmp-${process.pid}${path.extname(file)}`;
  await write(tmp);
  renameSync(tmp, file);
  process.stderr.write(
    `peers-data: wrote ${path.relative(ROOT, file)} (${mb(file)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );
}

/** The G1 columns' SQL types: as the generator writes them (32-bit integers, doubles, strings). */
const CSV_COLUMNS =
  "{'id1': 'VARCHAR', 'id2': 'VARCHAR', 'id3': 'VARCHAR', 'id4': 'INTEGER', 'id5': 'INTEGER', 'id6': 'INTEGER', " +
  "'v1': 'INTEGER', 'v2': 'INTEGER', 'v3': 'DOUBLE'}";

/** Paths of the files for `rows` rows and `textMb` MB of text; `ensurePeersData` makes them. */
export function peersFiles(rows, textMb) {
  const dir = path.join(DATA_DIR, `peers-${rows}`);
  return {
    dir,
    ...Object.fromEntries(Object.entries(FORMATS).map(([k, f]) => [k, path.join(dir, f.file)])),
    text: path.join(DATA_DIR, `peers-text-${textMb}mb.txt`),
  };
}

/** Makes every missing input file; returns their paths. */
export async function ensurePeersData(rows, textMb) {
  const files = peersFiles(rows, textMb);
  mkdirSync(files.dir, { recursive: true });
  const { groupbyBatches, writeArrowFile } = await dist('datasets/groupby.js');
  const { writeTextFile } = await dist('datasets/text.js');
  await once(files.arrow, (tmp) => writeArrowFile(tmp, groupbyBatches(rows, 1)));
  let frame;
  // scanIPC: nodejs-polars 0.25.2's readIPC(path) fails on every Arrow file here ("out-of-spec:
  // InvalidFooter"), while readIPC(buffer) and scanIPC(path) read the same file.
  const polarsFrame = () => (frame ??= pl.scanIPC(files.arrow).collectSync());
  await once(files.csv, (tmp) => polarsFrame().writeCSV(tmp));
  for (const codec of ['snappy', 'zstd']) {
    await once(files[`parquet-polars-${codec}`], (tmp) => polarsFrame().writeParquet(tmp, { compression: codec }));
  }
  frame = undefined;
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const source = `read_csv('${files.csv}', header = true, auto_detect = false, columns = ${CSV_COLUMNS})`;
    for (const codec of ['snappy', 'zstd']) {
      await once(files[`parquet-duckdb-${codec}`], (tmp) =>
        con.run(`COPY (SELECT * FROM ${source}) TO '${tmp}' (FORMAT parquet, COMPRESSION ${codec})`),
      );
    }
    await once(files.ndjson, (tmp) => con.run(`COPY (SELECT * FROM ${source}) TO '${tmp}' (FORMAT json)`));
  } finally {
    con.closeSync();
    db.closeSync();
  }
  await once(files.text, (tmp) => writeTextFile(tmp, textMb * 2 ** 20, 1));
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const flag = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const files = await ensurePeersData(flag('rows', 10_000_000), flag('text-mb', 200));
  for (const [k, f] of Object.entries(files)) if (k !== 'dir') console.log(`${k}\t${path.relative(ROOT, f)}\t${mb(f)} MB`);
}
