import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Float64, Int32, Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import pl from 'nodejs-polars';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPageHeaders, pageLayout } from '../../dist/src/io/parquet-pages.js';
import { ThriftReader } from '../../dist/src/io/parquet-thrift.js';
import { runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

// The walk over a Parquet file's page headers (parquet-pages.ts) on files DuckDB, Polars and parquet-rs write
// (v1 data pages, v2 ones from parquet-rs: DuckDB's PARQUET_VERSION V2 changes encodings, not the page header;
// dictionary pages, Snappy, ZSTD and none, nulls in every column, several pages a chunk): it finds
// them all consistent and quiver's answers equal DuckDB's; a header field of the wrong wire type is refused.
const dir = tempDir();
const ROWS = 30_000;
const nul = (e: string) => `CASE WHEN i % 11 = 5 THEN NULL ELSE ${e} END`;
const SELECT =
  `SELECT ${nul('i::INTEGER')} AS id, ${nul("'g' || (i % 40)")} AS g, ${nul('(i % 997) / 8')}::DOUBLE AS v, ` +
  `${nul("'text ' || i")} AS s, ${nul('[i::INTEGER, NULL]')} AS l FROM range(${ROWS}) t(i)`;
const DUCK = {
  'duck-snappy-v1': 'COMPRESSION snappy',
  'duck-zstd-v1': 'COMPRESSION zstd',
  'duck-snappy-v2': 'COMPRESSION snappy, PARQUET_VERSION V2',
  'duck-zstd-v2': 'COMPRESSION zstd, PARQUET_VERSION V2',
  'duck-none-v2': 'COMPRESSION uncompressed, PARQUET_VERSION V2',
};
const files: Record<string, string> = {};

/** How many pages of each kind (their PageHeader's sub-header field: 5 data, 7 dictionary, 8 data v2) a file holds. */
function pageKinds(bytes: Buffer): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const group of pageLayout(footerOf(bytes)))
    for (const c of group.chunks)
      for (let at = c.start; at < c.start + c.length; ) {
        const r = new ThriftReader(bytes.subarray(at));
        const fields = r.struct();
        const kind = String(fields.find((f) => f.id >= 5)!.id);
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        const size = Object.assign(new ThriftReader(bytes.subarray(at)), { at: fields.find((f) => f.id === 3)!.value[0] });
        at += r.at + size.zigzag();
      }
  return kinds;
}

/** A file's footer bytes. */
function footerOf(bytes: Buffer): Buffer {
  const length = bytes.readUInt32LE(bytes.length - 8);
  return bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
}

beforeAll(async () => {
  for (const [name, options] of Object.entries(DUCK)) {
    files[name] = path.join(dir, `${name}.parquet`);
    await duckRows(`COPY (${SELECT}) TO '${files[name]}' (FORMAT parquet, ROW_GROUP_SIZE 10000, ${options})`);
  }
  const rows = await duckRows(SELECT);
  files['polars-zstd'] = path.join(dir, 'polars-zstd.parquet');
  pl.DataFrame({
    id: pl.Series(
      'id',
      rows.map((r) => r.id as number | null),
      pl.Int32,
    ),
    g: pl.Series(
      'g',
      rows.map((r) => r.g as string | null),
    ),
    v: pl.Series(
      'v',
      rows.map((r) => r.v as number | null),
      pl.Float64,
    ),
  }).writeParquet(files['polars-zstd'], { compression: 'zstd', rowGroupSize: 10_000 } as never);
  // parquet-rs (parquet-wasm's writer) with its writer version 2: DataPageHeaderV2, pages of about 4 KB.
  const pq = await import('parquet-wasm/node');
  const table = new Table({
    id: vectorFromArray(
      rows.map((r) => r.id as number | null),
      new Int32(),
    ),
    g: vectorFromArray(
      rows.map((r) => r.g as string | null),
      new Utf8(),
    ),
    v: vectorFromArray(
      rows.map((r) => r.v as number | null),
      new Float64(),
    ),
  });
  const props = new pq.WriterPropertiesBuilder()
    .setWriterVersion(pq.WriterVersion.V2)
    .setCompression(pq.Compression.ZSTD)
    .setMaxRowGroupSize(10_000)
    .setDataPageSizeLimit(4096)
    .build();
  files['rs-zstd-v2'] = path.join(dir, 'rs-zstd-v2.parquet');
  writeFileSync(files['rs-zstd-v2'], pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(table, 'stream')), props));
}, 120_000);

describe('page headers of files DuckDB and Polars write', () => {
  it('walk consistent in every chunk of every row group', () => {
    for (const [name, file] of Object.entries(files)) {
      const layout = pageLayout(footerOf(readFileSync(file)));
      expect(layout.length, name).toBe(name.startsWith('polars') ? 1 : 3); // Polars writes one row group of 30,000 rows
      for (const [g, group] of layout.entries()) expect(() => checkPageHeaders(file, g, group), name).not.toThrow();
    }
    const v2 = pageKinds(readFileSync(files['rs-zstd-v2']!));
    expect(v2['8']).toBeGreaterThan(9); // several v2 data pages a chunk
    expect(v2['5']).toBeUndefined();
    expect(pageKinds(readFileSync(files['duck-snappy-v1']!))['7']).toBeGreaterThan(0); // dictionary pages
  });

  it.each([...Object.keys(DUCK), 'polars-zstd', 'rs-zstd-v2'])(
    '%s: quiver run groupby sums equal DuckDB',
    async (name) => {
      const file = files[name]!;
      const r = await runCli(['run', 'groupby', '-i', file, '-p', 'by=g', '-p', 'agg=count,sum:v', '-w', '2', '-q', '--format', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const want = await duckRows(`SELECT g, count(*)::INTEGER AS n, sum(v) AS s FROM read_parquet('${file}') GROUP BY g`);
      const got = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
      expect(got.length).toBe(want.length);
      const byKey = new Map(got.map((row) => [row.g ?? null, row]));
      for (const w of want) {
        const row = byKey.get(w.g ?? null)!;
        expect(Number(row.count), String(w.g)).toBe(Number(w.n));
        if (w.s === null) expect(row.sum_v ?? null).toBeNull();
        else expect(Number(row.sum_v)).toBeCloseTo(Number(w.s), 6);
      }
    },
    60_000,
  );
});

describe('a page header with a field of the wrong Thrift wire type', () => {
  it("is refused naming the file, row group, column and the header's byte offset, as DuckDB refuses it", async () => {
    const good = readFileSync(files['duck-snappy-v2']!);
    const chunk = pageLayout(footerOf(good))[1]!.chunks.find((c) => c.column === 'v')!;
    // PageHeader.type, the header's first field: an i32 (short header 0x15) made wire type 13, as fuzz case 913 did.
    expect(good[chunk.start]).toBe(0x15);
    const bad = Buffer.from(good);
    bad[chunk.start] = 0x1d;
    const file = path.join(dir, 'wire-type.parquet');
    writeFileSync(file, bad);
    await expect(duckRows(`SELECT sum(v) FROM read_parquet('${file}')`)).rejects.toThrow(/don't know what type/);
    const r = await runCli(['run', 'groupby', '-i', file, '-p', 'by=g', '-p', 'agg=sum:v', '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${file}: row group 1, column "v": the page header at byte ${chunk.start} has PageHeader.type (field 1) of Thrift type ` +
        '13 (no such type), where parquet.thrift says i32: the file is corrupt',
    );
  }, 60_000);

  it('inside a DataPageHeaderV2 too (num_values an i64): refused as DuckDB refuses it', async () => {
    const good = readFileSync(files['rs-zstd-v2']!);
    const chunk = pageLayout(footerOf(good))[0]!.chunks.find((c) => c.column === 'g')!;
    // The first data page after g's dictionary page: its header's field 8 (a struct) starts with num_values, an i32.
    const first = new ThriftReader(good.subarray(chunk.start));
    const dictionarySize = first.struct().find((f) => f.id === 3)!;
    const at =
      chunk.start + first.at + Object.assign(new ThriftReader(good.subarray(chunk.start)), { at: dictionarySize.value[0] }).zigzag();
    const v2 = new ThriftReader(good.subarray(at)).struct().find((f) => f.id === 8)!;
    expect(good[at + v2.value[0]]).toBe(0x15);
    const bad = Buffer.from(good);
    bad[at + v2.value[0]] = 0x16;
    const file = path.join(dir, 'v2-wire-type.parquet');
    writeFileSync(file, bad);
    await expect(duckRows(`SELECT count(g) FROM read_parquet('${file}')`)).rejects.toThrow(/TProtocolException: Invalid data/);
    const r = await runCli(['run', 'groupby', '-i', file, '-p', 'by=g', '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `${file}: row group 0, column "g": the page header at byte ${at} has data_page_header_v2.num_values (field 1) of Thrift type ` +
        'i64, where parquet.thrift says i32: the file is corrupt',
    );
  }, 60_000);
});
