// One peer run as its own process, the way a user would script it: bench/peers.mjs times this whole
// process (start-up, import, read, compute, write the answer) under /usr/bin/time.
//
//   node bench/peers-run.mjs duckdb <case> <kind> <input> <out> <threads>
//   POLARS_MAX_THREADS=2 node bench/peers-run.mjs polars <case> <kind> <input> <out>
//   node bench/peers-run.mjs hand <case> <kind> <input> <out>
//
// DuckDB runs `COPY (<sql>) TO '<out>'` with `threads` set on its instance; Polars runs the lazy query
// and writes the collected frame (or sinks it, for a conversion); `hand` is bench/peers-hand.mjs.
import { CASES, duckdbSource, polarsScan } from './peers-queries.mjs';

const [tool, name, kind, input, out, threads] = process.argv.slice(2);
const c = CASES[name];
if (!c) throw new Error(`peers-run: unknown case ${name}`);

if (tool === 'duckdb') {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  const sql = c.sql.replace(/\bx\b/, duckdbSource(kind, input));
  await con.run(`COPY (${sql}) TO '${out}' (FORMAT csv, HEADER)`);
  con.closeSync();
  db.closeSync();
} else if (tool === 'polars') {
  const { default: pl } = await import('nodejs-polars');
  const lf = polarsScan(pl, kind, input);
  if (c.kind === 'convert' && c.to === 'arrow') lf.sinkIpc(out, { compatLevel: 'oldest' }).collectSync();
  else if (c.kind === 'convert') lf.sinkCSV(out).collectSync();
  else c.polars(pl, lf).collectSync().writeCSV(out);
} else if (tool === 'hand') {
  const { runHand } = await import('./peers-hand.mjs');
  await runHand(c, kind, input, out);
} else {
  throw new Error(`peers-run: unknown tool ${tool}; use duckdb, polars or hand`);
}
