// The independent readers of bench/fuzz.mjs, in a long-lived child process: DuckDB (CSV, TSV, NDJSON,
// Parquet, and convert's Parquet outputs), Polars (Parquet that DuckDB refuses) and flechette (Arrow), each loaded once for thousands of
// files. A mutated file once segfaulted DuckDB and once made flechette allocate without bound, so they
// run here, under a heap limit, and not in the campaign's process: when this process dies, the parent
// answers its question with "the reference reader crashed" and starts a new one
// (bench/fuzz-children.mjs).
//
// Protocol (IPC): { id, ask: 'reference', file, format } -> { id, answer: referenceOf(…) };
//                 { id, ask: 'output', file } -> { id, answer: parquetOutput(…) }.
import { DuckDBInstance } from '@duckdb/node-api';
import { flechetteReference, parquetOutput, polarsReference, referenceOf } from './fuzz-seeds.mjs';

const con = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const readers = {
  sql: async (sql) => (await con.runAndReadAll(sql)).getRowsJS()[0].map((x) => (x == null ? null : Number(x))),
  arrow: flechetteReference,
  polars: polarsReference,
};

process.on('message', async (m) => {
  const answer = m.ask === 'output' ? await parquetOutput(m.file, readers.sql) : await referenceOf(m.file, m.format, readers);
  process.send({ id: m.id, answer });
});
process.send({ ready: true });
