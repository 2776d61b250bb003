// Which Parquet reader should quiver use (issue 25)? The same files read into Arrow JS record batches,
// a split (quiver's planner's row groups) at a time, only the columns a job reads, by:
//   - parquet-wasm 0.8 as quiver reads today (src/io/read-parquet.ts: one copy out of WebAssembly);
//   - hyparquet 1.31.5 + hyparquet-compressors (pure JS; its JS arrays built into Arrow vectors);
//   - nodejs-polars 0.25.2 (scanParquet → select → slice → writeIPC → tableFromIPC; POLARS_MAX_THREADS=1);
//   - DuckDB (@duckdb/node-api, threads=1) aggregating the same columns: the speed reference only
//     (it decodes into its own vectors and never builds Arrow JS batches).
//
// Hypothesis: parquet-wasm costs about 2× DuckDB's CPU on these files; hyparquet, whose decoders build
// JS arrays, costs several times parquet-wasm's; Polars decodes natively and costs less than parquet-wasm
// even with its IPC round trip, but ships a 111 MB native binary per platform. Speed alone does not
// decide it: the type table (every type DuckDB and Polars write, values checked against DuckDB) and
// the corrupt-file table count as much.
//
// CPU time (process.cpuUsage: every thread of this process, so Polars' and DuckDB's own threads count)
// and wall time, median of interleaved rounds after a warm-up round; each read's row count and
// sum(v1) are checked against DuckDB's. The type and corruption tables run every reader in a child
// process per file (a trap or a hang must not take the benchmark down), 20 s allowed per column.
//
//   node bench/parquet-readers.mjs [--rows 2000000] [--repeat 3] [--no-speed] [--no-types]
//   (one child: node bench/parquet-readers.mjs --child <reader> <file> <first column index>)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { canon, columnValues, sameValue, truthSql } from '../test/helpers/arrow-values.mjs';

process.env.POLARS_MAX_THREADS ??= '1';
const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const DIR = path.join(ROOT, 'bench/data/parquet-readers');
const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist/src', p)).href);
const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const READERS = ['parquet-wasm raw', 'quiver (parquet-wasm)', 'hyparquet', 'polars'];

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], Number(process.argv[5]));
  process.stdout.write('', () => process.exit(0)); // after stdout is flushed into the pipe
}

const { DuckDBInstance } = await import('@duckdb/node-api');
const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
const sql = async (q) => (await duck.runAndReadAll(q)).getRowObjectsJS();
mkdirSync(DIR, { recursive: true });

// ---------------------------------------------------------------- readers (one split at a time)
const COLUMNS = ['id1', 'id4', 'v1', 'v3'];

/** Each reader: (file, splits) → { rows, v1 } after building Arrow JS batches of COLUMNS. */
async function makeReaders() {
  const arrow = await import('apache-arrow');
  const { streamParquetSplit } = await dist('io/read-parquet.js');
  const hyparquet = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const pl = (await import('nodejs-polars')).default;
  const sumV1 = (batch) => {
    const v = batch.getChild('v1');
    let s = 0;
    for (const d of v.data) for (let i = 0; i < d.length; i++) s += Number(d.values[i]);
    return s;
  };
  const meta = new Map();
  return {
    'quiver (parquet-wasm)': async (file, splits) => {
      let rows = 0;
      let v1 = 0;
      for (const split of splits) for await (const b of streamParquetSplit(split, 1 << 16, COLUMNS)) (rows += b.numRows), (v1 += sumV1(b));
      return { rows, v1 };
    },
    hyparquet: async (file, splits) => {
      if (!meta.has(file)) {
        const buf = await hyparquet.asyncBufferFromFile(file);
        meta.set(file, { buf, metadata: await hyparquet.parquetMetadataAsync(buf) });
      }
      const { buf, metadata } = meta.get(file);
      let rows = 0;
      let v1 = 0;
      for (const split of splits) {
        const cols = {};
        await hyparquet.parquetRead({
          file: buf,
          metadata,
          columns: COLUMNS,
          rowStart: split.rowStart,
          rowEnd: split.rowStart + split.rows,
          compressors,
          onChunk: (c) => (cols[c.columnName] ??= []).push(c.columnData),
        });
        const vec = (parts, type) => arrow.vectorFromArray(parts.length === 1 ? parts[0] : parts.flatMap((p) => Array.from(p)), type);
        const batch = new arrow.RecordBatch({
          id1: vec(cols.id1, new arrow.Utf8()).data[0],
          id4: vec(cols.id4, new arrow.Int32()).data[0],
          v1: vec(cols.v1, new arrow.Int32()).data[0],
          v3: vec(cols.v3, new arrow.Float64()).data[0],
        });
        rows += batch.numRows;
        v1 += sumV1(batch);
      }
      return { rows, v1 };
    },
    polars: async (file, splits) => {
      let rows = 0;
      let v1 = 0;
      for (const split of splits) {
        const df = pl
          .scanParquet(file)
          .select(...COLUMNS)
          .slice(split.rowStart, split.rows)
          .collectSync();
        for (const b of arrow.tableFromIPC(df.writeIPC()).batches) (rows += b.numRows), (v1 += sumV1(b));
      }
      return { rows, v1 };
    },
    'DuckDB (reference)': async (file) => {
      const [r] = await sql(
        `SELECT count(*)::DOUBLE AS n, sum(v1)::DOUBLE AS v1, count(id1) + count(id4) + sum(v3) AS touch FROM read_parquet('${file}')`,
      );
      return { rows: r.n, v1: r.v1 };
    },
  };
}

// ---------------------------------------------------------------- G1 files
async function g1Files(rows) {
  const base = path.join(DIR, `g1-${rows}`);
  const files = {
    'DuckDB snappy': `${base}-duckdb-snappy.parquet`,
    'DuckDB zstd': `${base}-duckdb-zstd.parquet`,
    'Polars snappy': `${base}-polars-snappy.parquet`,
    'Polars zstd': `${base}-polars-zstd.parquet`,
  };
  if (Object.values(files).every(existsSync)) return files;
  const k = Math.max(1, Math.floor(rows / 100));
  const id = (n, seed, width) => `'id' || lpad(((hash(i * ${seed}) % ${n}) + 1)::VARCHAR, ${width}, '0')`;
  const int = (n, seed) => `((hash(i * ${seed}) % ${n}) + 1)::INTEGER`;
  await duck.run(
    `CREATE OR REPLACE TABLE g1 AS SELECT ${id(100, 3, 3)} AS id1, ${id(100, 5, 3)} AS id2, ${id(k, 7, 10)} AS id3, ${int(100, 11)} AS id4, ${int(100, 13)} AS id5, ${int(k, 17)} AS id6, ${int(5, 19)} AS v1, ${int(15, 23)} AS v2, round((hash(i * 29) % 1000000) / 10000.0, 6)::DOUBLE AS v3 FROM range(${rows}) t(i)`,
  );
  for (const codec of ['snappy', 'zstd'])
    await duck.run(`COPY g1 TO '${files[`DuckDB ${codec}`]}.tmp' (FORMAT parquet, COMPRESSION ${codec})`);
  for (const codec of ['snappy', 'zstd']) renameSync(`${files[`DuckDB ${codec}`]}.tmp`, files[`DuckDB ${codec}`]);
  const pl = (await import('nodejs-polars')).default;
  const df = pl.readParquet(files['DuckDB snappy']);
  for (const codec of ['snappy', 'zstd']) df.writeParquet(files[`Polars ${codec}`], { compression: codec });
  return files;
}

// ---------------------------------------------------------------- speed
async function speed(rows, repeat) {
  const files = await g1Files(rows);
  const { makePlan } = await dist('planner/plan.js');
  const readers = await makeReaders();
  const splits = {};
  const expected = {};
  for (const [name, file] of Object.entries(files)) {
    splits[name] = (await makePlan({ inputs: [file], workers: 1 })).splits;
    const [r] = await sql(`SELECT count(*)::DOUBLE AS n, sum(v1)::DOUBLE AS v1 FROM read_parquet('${file}')`);
    expected[name] = r;
  }
  const samples = {};
  for (let round = 0; round <= repeat; round++) {
    for (const [fname, file] of Object.entries(files)) {
      for (const [rname, read] of Object.entries(readers)) {
        globalThis.gc?.();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const got = await read(file, splits[fname]);
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (got.rows !== expected[fname].n || got.v1 !== expected[fname].v1)
          throw new Error(
            `${rname} on ${fname}: ${got.rows} rows, sum(v1) ${got.v1}; DuckDB says ${expected[fname].n}, ${expected[fname].v1}`,
          );
        if (round === 0) continue; // warm-up: JIT, page cache, WebAssembly tier-up
        ((samples[fname] ??= {})[rname] ??= []).push({ cpu: (c.user + c.system) / 1000, wall });
      }
    }
    process.stderr.write(`[parquet-readers] round ${round}/${repeat}\n`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const table = {};
  for (const [fname, byReader] of Object.entries(samples)) {
    table[fname] = {
      bytes: statSync(files[fname]).size,
      rowGroups: splits[fname].reduce((n, s) => n + s.rowGroups.length, 0),
      splits: splits[fname].length,
      readers: {},
    };
    for (const [rname, xs] of Object.entries(byReader))
      table[fname].readers[rname] = { cpuMs: median(xs.map((x) => x.cpu)), wallMs: median(xs.map((x) => x.wall)) };
  }
  return table;
}

// ---------------------------------------------------------------- type and corruption tables
const nul = (e) => `CASE WHEN i % 3 = 1 THEN NULL ELSE ${e} END`;
const DUCK_TYPES = {
  ti: 'i::TINYINT - 3',
  si: '(i * 1000 - 2000)::SMALLINT',
  i32: '(i * 100000 - 7)::INTEGER',
  i64: '(i * 1000000000000 - 9)::BIGINT',
  ut: 'i::UTINYINT',
  us: '(i * 1000)::USMALLINT',
  ui: '(i * 100000)::UINTEGER',
  ub: '(i::UBIGINT * 3000000000000000000)',
  hi: '(i::HUGEINT * 100000000000000000000)',
  fl: '(i / 4)::FLOAT',
  db: '(i / 3)::DOUBLE',
  dec4: '(i * 1.25)::DECIMAL(4,2)',
  dec18: '(i * 1234567.125)::DECIMAL(18,3)',
  dec38: '(i * 12345678901.0123456789)::DECIMAL(38,10)',
  dt: "DATE '2024-02-27' + i::INTEGER",
  tm: "TIME '12:34:56.789' + to_seconds(i)",
  ts_s: "(TIMESTAMP '2024-01-01 10:00:00' + to_seconds(i))::TIMESTAMP_S",
  ts_ms: "(TIMESTAMP '2024-01-01 10:00:00.123' + to_seconds(i))::TIMESTAMP_MS",
  ts_us: "TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i)",
  ts_ns: "(TIMESTAMP '2024-01-01 10:00:00.123456' + to_seconds(i))::TIMESTAMP_NS",
  tstz: "(TIMESTAMP '2024-01-01 10:00:00' + to_seconds(i))::TIMESTAMPTZ",
  iv: 'to_days(i::INTEGER) + to_hours(i)',
  str: "'s' || i || 'é'",
  blob: "('\\x00\\xFF' || i)::BLOB",
  uuid: "('00000000-0000-4000-8000-00000000000' || i)::UUID",
  enm: "(['lo','hi'])[(i % 2) + 1]::ENUM_T",
  bool: 'i % 2 = 0',
  list: '[i::INTEGER, NULL, 2]',
  struct: "{'a': i::INTEGER, 'b': 'x' || i}",
  map: "MAP {'k' || i: i::INTEGER}",
};
const POLARS_TYPES = ['i64', 'u64', 'cat', 'date', 'dt_ns_tz', 'dt_us_tz', 'dur', 'dec', 'list', 'struct', 'str'];
// nodejs-polars 0.25 builds no Binary series (Buffers are refused, casts to Binary too): BLOB is in the DuckDB file.

async function typeFiles() {
  const duckFile = path.join(DIR, 'types-duckdb.parquet');
  const polarsFile = path.join(DIR, 'types-polars.parquet');
  await duck.run("CREATE TYPE IF NOT EXISTS ENUM_T AS ENUM ('lo', 'hi')").catch(() => undefined);
  await duck.run(
    `COPY (SELECT ${Object.entries(DUCK_TYPES)
      .map(([n, e]) => `${nul(e)} AS ${n}`)
      .join(', ')} FROM range(6) t(i)) TO '${duckFile}'`,
  );
  const pl = (await import('nodejs-polars')).default;
  const n = (xs) => xs.map((x, i) => (i % 3 === 1 ? null : x));
  const df = pl.DataFrame({
    i64: pl.Series('i64', n([1n, 2n, -(2n ** 62n), 4n, 5n, 6n]), pl.Int64),
    u64: pl.Series('u64', n([1n, 2n, 2n ** 63n + 7n, 4n, 5n, 6n]), pl.UInt64),
    cat: pl.Series('cat', n(['a', 'b', 'a', 'c', 'a', 'b'])).cast(pl.Categorical),
    date: pl.Series('date', n([19000, 19001, 19002, 19003, 19004, 19005]), pl.Int32).cast(pl.Date),
    dt_ns_tz: pl.Series('dt_ns_tz', n([1700000000123456789n, 1n, 2n, 3n, 4n, 5n]), pl.Int64).cast(pl.Datetime('ns', 'Europe/Paris')),
    dt_us_tz: pl.Series('dt_us_tz', n([1700000000123456n, 1n, 2n, 3n, 4n, 5n]), pl.Int64).cast(pl.Datetime('us', 'UTC')),
    dur: pl.Series('dur', n([1000n, 2000n, 3000n, 4000n, 5000n, 6000n]), pl.Int64).cast(pl.Duration('ms')),
    dec: pl.Series('dec', n([1.25, 2.5, 3.75, 4, 5, 6]), pl.Float64).cast(pl.Decimal(10, 2)),
    list: pl.Series('list', n([[1, 2], [3], [], [4, null], [5], [6]]), pl.List(pl.Int32)),
    struct: pl.DataFrame({ a: n([1, 2, 3, 4, 5, 6]), b: n(['x', 'y', 'z', 'w', 'v', 'u']) }).toStruct('struct'),
    str: pl.Series('str', n(['a', 'bé', 'c', 'd', 'e', 'f'])),
  });
  df.writeParquet(polarsFile);
  return { 'DuckDB types': duckFile, 'Polars types': polarsFile };
}

async function corruptFiles() {
  // parquet-wasm writes data pages of 20,480 values; the corruptions of issue 26, on its own file.
  const pq = await import('parquet-wasm/node');
  const arrow = await import('apache-arrow');
  const t = arrow.tableFromArrays({
    i: Int32Array.from({ length: 50000 }, (_, k) => k % 10),
    x: Float64Array.from({ length: 50000 }, (_, k) => k),
  });
  const good = Buffer.from(pq.writeParquet(pq.Table.fromIPCStream(arrow.tableToIPC(t, 'stream'))));
  const { pageValueCount, withFooterLength } = await import('../test/helpers/parquet-corrupt.mjs');
  const out = {};
  const write = (name, bytes) => writeFileSync((out[name] = path.join(DIR, `corrupt-${name.replace(/[^a-z0-9]+/gi, '-')}.parquet`)), bytes);
  write('page value count −1', pageValueCount(good, -1));
  write('page header byte overwritten', pageValueCount(good, 0, true));
  write('footer length −1 (0xFFFFFFFF)', withFooterLength(good, 0xffffffff));
  write('footer length one short', withFooterLength(good, good.readUInt32LE(good.length - 8) - 1));
  return out;
}

/** Runs one reader over a file's columns in children, a new child after one that crashed or hung. */
async function readInChildren(reader, file, count) {
  const results = [];
  let start = 0;
  while (start < count) {
    const lines = await runChild(reader, file, start);
    const done = lines.filter((l) => 'result' in l);
    results.push(...done.map((l) => l.result));
    start += done.length;
    const last = lines.at(-1);
    if (start < count && last?.outcome) {
      results.push({ column: last.column, outcome: last.outcome });
      start++;
    }
  }
  return results;
}

function runChild(reader, file, start) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', reader, file, String(start)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let timedOut = false;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => ((timedOut = true), p.kill('SIGKILL')), 20_000);
    };
    arm();
    p.stdout.on('data', (d) => ((out += d), arm()));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const lines = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const last = lines.at(-1);
      if (last && 'column' in last && !('result' in last)) {
        const trap = /RuntimeError: unreachable|RuntimeError/.test(err)
          ? 'TRAP (WebAssembly RuntimeError)'
          : /panicked|PanicException/.test(err)
            ? 'PANIC'
            : `CRASH (exit ${code}${signal ? `, ${signal}` : ''})`;
        last.outcome = timedOut ? 'HANG (no answer in 20 s)' : trap;
      }
      resolve(lines);
    });
  });
}

async function child(reader, file, start) {
  const arrow = await import('apache-arrow');
  const { parquetMetadataAsync, parquetSchema, asyncBufferFromFile, parquetRead } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buf = await asyncBufferFromFile(file).catch(() => undefined);
  // Start −1: the whole file at once (the corrupt files); else one column at a time from `start`.
  const names =
    start < 0 || !buf
      ? ['*']
      : await parquetMetadataAsync(buf).then(
          (m) => parquetSchema(m).children.map((c) => c.element.name),
          () => ['*'],
        );
  if (start < 0) start = 0;
  const read = {
    'parquet-wasm raw': async (cols) => {
      const pq = await import('parquet-wasm/node');
      const pf = await pq.ParquetFile.fromFile(await (await import('node:fs')).openAsBlob(file));
      return arrow.tableFromIPC((await pf.read({ columns: cols })).intoIPCStream());
    },
    'quiver (parquet-wasm)': async (cols) => {
      const { makePlan } = await dist('planner/plan.js');
      const { readParquetSplit } = await dist('io/read-parquet.js');
      const batches = [];
      for (const s of (await makePlan({ inputs: [file], workers: 1 })).splits) batches.push(...(await readParquetSplit(s, 1 << 16, cols)));
      return new arrow.Table(batches);
    },
    hyparquet: async (cols) => {
      const metadata = await parquetMetadataAsync(buf);
      let rows;
      await parquetRead({
        file: buf,
        metadata,
        columns: cols,
        compressors,
        utf8: false,
        rowFormat: 'object',
        onComplete: (r) => (rows = r),
      });
      return { numRows: rows.length, js: rows };
    },
    polars: async (cols) => {
      const pl = (await import('nodejs-polars')).default;
      return arrow.tableFromIPC(pl.readParquet(file, cols ? { columns: cols } : {}).writeIPC());
    },
  }[reader];
  for (let k = start; k < names.length; k++) {
    const column = names[k];
    process.stdout.write(JSON.stringify({ column }) + '\n');
    let result;
    try {
      const t = await read(column === '*' ? undefined : [column]);
      if (column === '*') result = { column, outcome: `read ${t.numRows} rows` };
      else if (t.js) result = { column, type: 'JS values', values: t.js.map((r) => canon(r[column], 'uuid')) };
      else {
        const v = t.getChild(column);
        result = { column, type: String(v.type), values: columnValues(v) };
      }
    } catch (e) {
      result = {
        column,
        outcome: `error: ${String(e.message ?? e)
          .split('\n')[0]
          .slice(0, 140)}`,
      };
    }
    process.stdout.write(JSON.stringify({ column, result }) + '\n');
  }
}

async function types() {
  const files = await typeFiles();
  const table = {};
  for (const [fname, file] of Object.entries(files)) {
    const top = fname.startsWith('DuckDB') ? Object.keys(DUCK_TYPES) : POLARS_TYPES;
    const truth = {};
    for (const c of top) {
      const [{ t }] = await sql(`SELECT typeof("${c}") AS t FROM read_parquet('${file}') LIMIT 1`);
      truth[c] = (await sql(`SELECT ${truthSql(c, t)} AS v FROM read_parquet('${file}')`)).map((r) => r.v);
    }
    table[fname] = {};
    for (const reader of READERS) {
      for (const r of await readInChildren(reader, file, top.length)) {
        let cell;
        if (r.outcome) cell = r.outcome;
        else {
          const want = truth[r.column];
          const nullsOk = r.values.every((v, i) => (v === null) === (want[i] === null));
          const bad = r.values.findIndex((v, i) => !sameValue(v, want[i]));
          const valuesOk = /^Interval/.test(r.type)
            ? '(not compared)'
            : bad < 0
              ? '✓'
              : `✗ (row ${bad}: ${JSON.stringify(r.values[bad])}, DuckDB ${JSON.stringify(want[bad])})`;
          cell = `${r.type}; nulls ${nullsOk ? '✓' : '✗'}; values ${valuesOk}`;
        }
        (table[fname][r.column] ??= {})[reader] = cell;
      }
    }
  }
  const corrupt = {};
  for (const [name, file] of Object.entries(await corruptFiles())) {
    corrupt[name] = {};
    for (const reader of READERS) {
      const lines = await runChild(reader, file, -1);
      const last = lines.at(-1);
      corrupt[name][reader] = last?.result?.outcome ?? last?.outcome ?? 'no answer';
    }
  }
  return { table, corrupt };
}

// ---------------------------------------------------------------- report
const rows = flag('rows', 2_000_000);
const repeat = flag('repeat', 3);
const load0 = os.loadavg();
const json = {
  rows,
  repeat,
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model,
  node: process.version,
  date: new Date().toISOString(),
  loadavg: load0,
};
mkdirSync(path.join(DIR, 'results'), { recursive: true });
const out = path.join(DIR, `results/parquet-readers-${rows}.json`);
if (!process.argv.includes('--no-speed')) {
  json.speed = await speed(rows, repeat);
  writeFileSync(out, JSON.stringify(json, null, 2) + '\n'); // kept even if the type tables fail
}
if (!process.argv.includes('--no-types')) json.types = await types();
json.loadavgEnd = os.loadavg();
json.installBytes = Object.fromEntries(
  ['parquet-wasm', 'hyparquet', 'hyparquet-compressors', 'nodejs-polars', 'nodejs-polars-linux-x64-gnu', '@duckdb'].map((p) => [
    p,
    duSize(path.join(ROOT, 'node_modules', p)),
  ]),
);
writeFileSync(out, JSON.stringify(json, null, 2) + '\n');
process.stderr.write(`wrote ${path.relative(ROOT, out)}\n`);
// The committed results are a full run's (speed and types); a partial run stays in bench/data/.
if (json.speed && json.types) {
  const { report } = await import('./parquet-readers-report.mjs');
  writeFileSync(path.join(ROOT, 'bench/results/parquet-readers.md'), report(json).join('\n') + '\n');
  writeFileSync(path.join(ROOT, 'bench/results/parquet-readers.json'), JSON.stringify(json, null, 2) + '\n');
  process.stderr.write('wrote bench/results/parquet-readers.md and .json\n');
}

function duSize(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (n, e) => n + (e.isDirectory() ? duSize(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size),
    0,
  );
}
