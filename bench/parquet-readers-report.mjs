// Writes bench/results/parquet-readers.md and .json from a run of bench/parquet-readers.mjs (which
// calls it at its end): the speed table, the type table, the corrupt-file table, install sizes, and
// the decision, whose reasons are the tables above it.
//
//   node bench/parquet-readers-report.mjs <bench/data/parquet-readers/results/parquet-readers-N.json>
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The markdown of one run's JSON. */
export function report(json) {
  const md = [];
  const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  const mb = (b) => `${(b / 2 ** 20).toFixed(1)} MB`;
  md.push('# Parquet readers for quiver: speed, types, robustness', '');
  md.push(
    `Run: ${json.rows.toLocaleString('en-US')} rows of db-benchmark G1 (id1..id6, v1..v3), ${json.repeat} interleaved rounds after a warm-up round; ` +
      `${json.cores} cores (${json.cpu}), Node ${json.node}, ${json.date}. Load average at start ${json.loadavg.map((x) => x.toFixed(1)).join(' / ')}, at end ${json.loadavgEnd.map((x) => x.toFixed(1)).join(' / ')}.`,
    '',
    '> The machine was shared with other sessions building and testing at the same time (load ≈ 10× the core count), so wall times are noisy: compare CPU times, and ratios within one run. `node bench/parquet-readers.mjs` re-runs it (`--rows N`, `--repeat N`, `--no-speed`, `--no-types`).',
    '',
  );
  if (json.speed) {
    md.push('## Speed: a split at a time into Arrow JS record batches, columns id1 (text), id4, v1 (int32), v3 (double)', '');
    md.push(
      "Each reader reads the same splits (quiver's planner: row groups packed into splits) and builds Arrow JS record batches; the row count and sum(v1) of every read are checked against DuckDB's. CPU is the whole process's (Polars' and DuckDB's own threads count; both run one thread). DuckDB only aggregates the columns in its own vectors: it is the speed reference, not a contender.",
      '',
    );
    const readers = Object.keys(Object.values(json.speed)[0].readers);
    md.push(
      `| file | ${readers.map((r) => `${r} CPU / wall ms`).join(' | ')} | ${readers
        .filter((r) => r !== 'quiver (parquet-wasm)')
        .map((r) => `${r} ÷ parquet-wasm (CPU)`)
        .join(' | ')} |`,
    );
    md.push(
      `|---|${readers.map(() => '---').join('|')}|${readers
        .filter((r) => r !== 'quiver (parquet-wasm)')
        .map(() => '---')
        .join('|')}|`,
    );
    for (const [file, f] of Object.entries(json.speed)) {
      const base = f.readers['quiver (parquet-wasm)'].cpuMs;
      md.push(
        `| ${file} (${mb(f.bytes)}, ${f.rowGroups} row groups, ${f.splits} splits) | ${readers.map((r) => `${ms(f.readers[r].cpuMs)} / ${ms(f.readers[r].wallMs)}`).join(' | ')} | ${readers
          .filter((r) => r !== 'quiver (parquet-wasm)')
          .map((r) => `${(f.readers[r].cpuMs / base).toFixed(2)}×`)
          .join(' | ')} |`,
      );
    }
    md.push('');
  }
  if (json.types) {
    md.push('## Types: every column read alone by each reader, values checked against DuckDB', '');
    md.push(
      'Six rows per file, every third null. A cell gives the Arrow type the reader produced (hyparquet gives JS values, no Arrow type), whether the nulls are where DuckDB has them, and whether every value equals DuckDB\'s (`test/helpers/arrow-values.mjs`: integers and decimals exact, dates and timestamps to the millisecond, bytes as hex, nested values as JSON). TRAP / PANIC / HANG are a reader taking its process down or never answering (each reader runs in a child process). "parquet-wasm raw" is parquet-wasm 0.8 called directly; "quiver" is quiver\'s reader on it, with the fixes of this branch.',
      '',
    );
    for (const [file, cols] of Object.entries(json.types.table)) {
      const readers = Object.keys(Object.values(cols)[0]);
      md.push(`### ${file}`, '', `| column | ${readers.join(' | ')} |`, `|---|${readers.map(() => '---').join('|')}|`);
      for (const [c, r] of Object.entries(cols))
        md.push(
          `| ${c} | ${readers
            .map((k) =>
              String(r[k] ?? '')
                .replace(/\|/g, '\\|')
                .replace(/\/work\/[^ ]*\//g, '…/')
                .slice(0, 200),
            )
            .join(' | ')} |`,
        );
      md.push('');
    }
    md.push("### Corrupt files (issue 26's mutations of a parquet-wasm-written file: 50,000 rows, data pages of 20,480 values)", '');
    const readers = Object.keys(Object.values(json.types.corrupt)[0]);
    md.push(`| file | ${readers.join(' | ')} |`, `|---|${readers.map(() => '---').join('|')}|`);
    for (const [f, r] of Object.entries(json.types.corrupt))
      md.push(
        `| ${f} | ${readers
          .map((k) =>
            String(r[k])
              .replace(/\|/g, '\\|')
              .replace(/\/work\/[^ ]*\//g, '…/')
              .slice(0, 200),
          )
          .join(' | ')} |`,
      );
    md.push('');
  }
  md.push('## Install size and platforms', '');
  md.push('| package | size installed | platforms |', '|---|---|---|');
  const where = {
    'parquet-wasm': 'everywhere Node runs (WebAssembly)',
    hyparquet: 'everywhere (pure JS)',
    'hyparquet-compressors': 'everywhere (pure JS; snappy, gzip, brotli, zstd, lz4)',
    'nodejs-polars': 'JS part; needs one of the native packages below',
    'nodejs-polars-linux-x64-gnu':
      'one native binary per platform: linux x64/arm64 gnu and musl, darwin x64/arm64, win32 x64 (each about this size)',
    '@duckdb': 'native binaries per platform (dev dependency, reference only)',
  };
  for (const [p, b] of Object.entries(json.installBytes)) md.push(`| ${p} | ${mb(b)} | ${where[p] ?? ''} |`);
  md.push('');
  md.push(...DECISION);
  return md;
}

const DECISION = readFileSync(new URL('./parquet-readers-decision.md', import.meta.url), 'utf8')
  .trimEnd()
  .split('\n');

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  writeFileSync(path.join(ROOT, 'bench/results/parquet-readers.md'), report(json).join('\n') + '\n');
  writeFileSync(path.join(ROOT, 'bench/results/parquet-readers.json'), JSON.stringify(json, null, 2) + '\n');
  process.stderr.write('wrote bench/results/parquet-readers.md and .json\n');
}
