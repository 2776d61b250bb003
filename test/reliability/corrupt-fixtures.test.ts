import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { writeParquetStream } from '../../dist/src/io/part-files.js';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tableFromIPC as flechetteTable } from '@uwdata/flechette';
import { runCli } from '../helpers/cli.js';
import { duckRows } from '../helpers/duckdb.js';
import { tempDir } from '../helpers/tmp.js';

// The minimal reproducers of the fuzz campaign (bench/fuzz.mjs), made exactly by
// test/fixtures/corrupt/make.mjs: each names the defect it had and the answer quiver must give now.
const CORRUPT = path.resolve(import.meta.dirname, '../fixtures/corrupt');
const fx = (name: string) => path.join(CORRUPT, name);
const dir = tempDir();

/** A clear error: exit 1, one `quiver: io error` line naming the file, no stack. */
function expectInputError(r: { status: number | null; stderr: string }, file: string, what: RegExp) {
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^quiver: io error: /);
  expect(r.stderr).toContain(file);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const groupby = (file: string, ...extra: string[]) => runCli(['run', 'groupby', '-i', fx(file), '-p', 'by=g', '-q', '-w', '2', ...extra]);

describe('corrupt Arrow files: the header numbers are checked against the file before anything is read', () => {
  it('a schema with no columns over batches of three (fuzz case 853: was 300 rows of nothing, exit 0)', async () => {
    const out = path.join(dir, 'no-columns.parquet');
    for (const r of [
      await runCli(['inspect', fx('arrow-schema-no-columns.arrow')]),
      await runCli(['convert', fx('arrow-schema-no-columns.arrow'), out, '-q']),
    ])
      expectInputError(r, 'arrow-schema-no-columns.arrow', /has 3 field nodes, but its schema's 0 column\(s\) need 0/);
    expect(existsSync(out)).toBe(false);
  });

  it('a buffer length that apache-arrow could not encode again (fuzz case 2541: convert wrote 200 of 300 rows, exit 0)', async () => {
    // The third batch's validity bitmap of g is said to be 128 bytes, not 64, so it overlaps the offsets
    // after it; every reader still reads the same 300 rows from it (flechette, Arrow JS). Arrow JS's
    // stream writer encoded that batch into a body shorter than its header said, which convert then
    // refused; its part writer (src/io/arrow-part-writer.ts) writes the buffers as they are: all 300
    // rows, as flechette reads them.
    const expected = JSON.stringify(flechetteTable(readFileSync(fx('arrows-buffer-128.arrows'))).toArray());
    for (const name of ['buffer-128.parquet', 'buffer-128.arrow']) {
      const out = path.join(dir, name);
      const r = await runCli(['convert', fx('arrows-buffer-128.arrows'), out, '-q']);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const got = name.endsWith('.parquet') ? await duckRows(`SELECT id, g, v FROM '${out}'`) : flechetteTable(readFileSync(out)).toArray();
      expect(JSON.stringify(got)).toBe(expected);
    }
  });

  it('a buffer list said to hold 2^31-1 entries in a 256-byte header (fuzz seed 11, case 335: 4 GB heap, no exit)', async () => {
    // Arrow JS decodes a flatbuffer vector by its stated length; the stream reader and the file reader
    // now check every vector in a message against the message's bytes first (src/io/arrow-message-bounds.ts).
    const cases = [
      ['arrows-buffer-count-2p31.arrows', /not a valid Arrow IPC stream: message 2 at byte 20512 has a corrupt 256-byte header: /],
      ['arrow-buffer-count-2p31.arrow', /corrupt Arrow IPC file: record batch 1 at byte 600 has a corrupt header \(/],
    ] as const;
    for (const [name, where] of cases) {
      const out = path.join(dir, `${name}.parquet`);
      for (const r of [await runCli(['inspect', fx(name)]), await groupby(name), await runCli(['convert', fx(name), out, '-q'])])
        expectInputError(
          r,
          name,
          new RegExp(`${where.source}a vector at 84 claims 2147483647 entries of 16 bytes, past the end of the message`),
        );
      expect(existsSync(out)).toBe(false);
    }
  });

  it('a footer field outside the footer (fuzz seed 11, case 191: a DOUBLE column read as Float16, exit 0)', async () => {
    const name = 'arrow-footer-field-outside.arrow';
    // flechette, the independent reader, reads the byte there and refuses it as a float precision.
    expect(() => flechetteTable(readFileSync(fx(name)))).toThrow(/must be one of 0,1,2/);
    const out = path.join(dir, 'footer-field.parquet');
    for (const r of [await runCli(['inspect', fx(name)]), await groupby(name), await runCli(['convert', fx(name), out, '-q'])])
      expectInputError(
        r,
        name,
        /corrupt Arrow IPC file: its footer \(bytes 7464–7800\) does not decode: a table at 200 of 18119 bytes runs past the footer/,
      );
    expect(existsSync(out)).toBe(false);
  });

  it('an Int of 31 bits in the schema (fuzz case 931: was read as Int32, exit 0)', async () => {
    expectInputError(
      await runCli(['run', 'groupby', '-i', fx('arrows-int31.arrows'), '-p', 'by=g', '-q', '-w', '2']),
      'arrows-int31.arrows',
      /column "id" has an integer of 31 bits, which no Arrow type has/,
    );
  });

  it('a footer block whose body length is 2^53 (was a TypeError, exit 70)', async () => {
    expectInputError(
      await runCli(['inspect', fx('arrow-block-body-2p53.arrow')]),
      'arrow-block-body-2p53.arrow',
      /corrupt Arrow IPC file: its footer's block list is corrupt/,
    );
  });

  it('a footer listing 2^31-1 record batches (was a TypeError, exit 70)', async () => {
    expectInputError(
      await groupby('arrow-block-count-2p31.arrow'),
      'arrow-block-count-2p31.arrow',
      /its footer \(bytes \d+–\d+\) does not decode: a vector at \d+ claims 2147483647 entries of 24 bytes, past the end of the footer/,
    );
  });

  it('a dictionary block claiming 2^31-1 metadata bytes (was an abort in an fs read)', async () => {
    expectInputError(
      await groupby('arrow-dictionary-meta-2p31.arrow'),
      'arrow-dictionary-meta-2p31.arrow',
      /dictionary batch 0 \(bytes 8–\d+\) lies outside the file of 1442 bytes/,
    );
  });

  it.each([
    ['9', 'column "id" has 10 values in a batch of 9 rows'],
    ['11', 'column "id" has 10 values in a batch of 11 rows'],
    ['2p31', 'column "id" has 10 values in a batch of 2147483647 rows'],
    ['minus1', 'its row count -1 is not a row count'],
  ])(
    'a record batch whose row count is %s, not 10 (was 9 rows with exit 0, -1 rows, a blame on the job, out of memory)',
    async (name, what) => {
      const file = `arrow-batch-rows-${name}.arrow`;
      for (const r of [await runCli(['inspect', fx(file)]), await groupby(file)])
        expectInputError(r, file, new RegExp(`record batch 0 at byte 8 has an inconsistent header: ${what.replace(/[()]/g, '\\$&')}`));
    },
  );

  it('a batch whose string offsets buffer starts past its body (was: convert wrote 1,000 of 2,000 rows, exit 0)', async () => {
    const out = path.join(dir, 'past-body.parquet');
    const r = await runCli(['convert', fx('arrows-offsets-past-body.arrows'), out, '-q']);
    expectInputError(
      r,
      'arrows-offsets-past-body.arrows',
      /record batch 1 at byte \d+ has an inconsistent header: buffer 3 \(bytes \d+–\d+\) lies outside the 20000-byte body/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a buffer not aligned to 8 bytes in the second batch (fuzz seed 6, case 139: inspect showed it fine, run failed with a RangeError)', async () => {
    // flechette, the independent reader, refuses it too: "start offset of Int32Array should be a multiple of 4".
    expect(() => flechetteTable(readFileSync(fx('arrows-buffer-unaligned.arrows')))).toThrow(/multiple of 4/);
    for (const r of [await runCli(['inspect', fx('arrows-buffer-unaligned.arrows')]), await groupby('arrows-buffer-unaligned.arrows')])
      expectInputError(
        r,
        'arrows-buffer-unaligned.arrows',
        /record batch 1 at byte \d+ has an inconsistent header: buffer 3 starts at byte \d+ of the body, not at a multiple of 8/,
      );
  });

  it('a column type NONE read from outside its schema message (fuzz seed 7, case 1210, kept as found: was 300 rows of Null, exit 0, and a TypeError in groupby)', async () => {
    expect(() => flechetteTable(readFileSync(fx('arrows-type-none.arrows')))).toThrow(/Unsupported data type: "NONE"/);
    const out = path.join(dir, 'type-none.parquet');
    for (const r of [
      await runCli(['inspect', fx('arrows-type-none.arrows')]),
      await groupby('arrows-type-none.arrows'),
      await runCli(['convert', fx('arrows-type-none.arrows'), out, '-q']),
    ])
      expectInputError(
        r,
        'arrows-type-none.arrows',
        /message 0 at byte 0 has a corrupt 256-byte header: an offset at \d+ lies outside the message/,
      );
    expect(existsSync(out)).toBe(false);
  });

  it('string offsets that go back (was: convert failed with "Dyn casting error", naming no input)', async () => {
    const out = path.join(dir, 'back.parquet');
    const r = await runCli(['convert', fx('arrows-offsets-back.arrows'), out, '-q']);
    expectInputError(
      r,
      'arrows-offsets-back.arrows',
      /record batch 0 is inconsistent: column "g": the offset of value 7 \(\d+\) is before the one of value 6 \(4194304\); the file may be corrupt/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a string that is not UTF-8 (was: convert left the batch out, exit 0; fuzz case 90 wrote 200 of 300 rows)', async () => {
    const out = path.join(dir, 'not-utf8.parquet');
    expectInputError(
      await runCli(['convert', fx('arrow-string-not-utf8.arrow'), out, '-q']),
      'arrow-string-not-utf8.arrow',
      /rows 0–29: record batch 2 is inconsistent: column "g": its strings are not valid UTF-8/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a null count that disagrees with the validity bitmap (was: convert failed with an error naming no input)', async () => {
    const out = path.join(dir, 'null-count.parquet');
    expectInputError(
      await runCli(['convert', fx('arrows-null-count.arrows'), out, '-q']),
      'arrows-null-count.arrows',
      /column "g": its header says 207 nulls, its validity bitmap holds 200/,
    );
    expect(existsSync(out)).toBe(false);
  });

  // run reads a job's columns without convert's writer behind it: the same checks must refuse the batch
  // (library soak: run answered a 2,000-character group of its neighbours' bytes, "g\ufffdmma", exit 0).
  it.each([
    ['arrows-offsets-back.arrows', 0, 'the offset of value 7 (29) is before the one of value 6 (4194304)'],
    ['arrows-null-count.arrows', 0, 'its header says 207 nulls, its validity bitmap holds 200'],
    ['arrow-string-not-utf8.arrow', 2, 'its strings are not valid UTF-8 (bytes 0–37 of its data)'],
    ['arrows-offset-mid-char.arrows', 0, 'value 1 starts inside a UTF-8 character (its offset 4 cuts the character before it)'],
  ])('run refuses %s, as convert does (was: exit 0 with a garbage group)', async (file, batch, what) => {
    const escaped = what.replace(/[()]/g, '\\$&');
    expectInputError(
      await groupby(file),
      file,
      new RegExp(`record batch ${batch} is inconsistent: column "g": ${escaped}; the file may be corrupt`),
    );
  });

  it('a string offset one byte back, inside a two-byte character (fuzz case 440: convert blamed out.parquet, not the input)', async () => {
    const out = path.join(dir, 'mid-char.parquet');
    const r = await runCli(['convert', fx('arrows-offset-mid-char.arrows'), out, '-q']);
    expectInputError(
      r,
      'arrows-offset-mid-char.arrows',
      /record batch 0 is inconsistent: column "g": value 1 starts inside a UTF-8 character/,
    );
    expect(r.stderr).not.toContain('mid-char.parquet');
    expect(existsSync(out)).toBe(false);
  });

  it('a batch the Parquet writer refuses fails the write instead of ending the file early', async () => {
    // parquet-wasm's streaming writer ends its output normally when its input fails: the error must not be lost.
    const batches = tableFromIPC(readFileSync(fx('arrow-string-not-utf8.arrow'))).batches;
    const out = path.join(dir, 'direct.parquet');
    await expect(writeParquetStream(batches, out)).rejects.toThrow(/Invalid UTF8/);
  });

  it('a stream whose schema has a field type that does not decode (was: exit 70)', async () => {
    expectInputError(
      await runCli(['inspect', fx('arrows-schema-type.arrows')]),
      'arrows-schema-type.arrows',
      /not a valid Arrow IPC stream: message 0 at byte 0 has a corrupt 256-byte header: a field of the table at \d+ lies outside it/,
    );
  });
});

describe('corrupt compressed files: checksums verified, the same UTF-8 rule as plain text', () => {
  it('a zstd frame whose checksum does not match (was: accepted with a wrong word count)', async () => {
    expectInputError(
      await runCli(['run', 'wordcount', '-i', fx('words-checksum.txt.zst'), '-q']),
      'words-checksum.txt.zst',
      /does not decompress as zstd: the frame at byte 0 fails its checksum/,
    );
  });

  it('a gzip member whose CRC does not match', async () => {
    expectInputError(
      await runCli(['run', 'wordcount', '-i', fx('words-crc.txt.gz'), '-q']),
      'words-crc.txt.gz',
      /does not decompress as gzip: incorrect data check/,
    );
  });

  it('an empty .gz or .zst is a file cut short, as gzip -t and zstd -t say (was: 0 words, exit 0)', async () => {
    for (const name of ['empty.txt.gz', 'empty.txt.zst']) {
      const file = path.join(dir, name);
      writeFileSync(file, '');
      expectInputError(await runCli(['run', 'wordcount', '-i', file, '-q']), name, /is empty, so it is not (gzip|zstd) \(truncated\?\)/);
    }
  });

  it('Latin-1 text inside gzip is a bad record at its decompressed line (was: passed as caf\\ufffd)', async () => {
    expectInputError(
      await runCli(['run', 'wordcount', '-i', fx('latin1.txt.gz'), '-q']),
      'latin1.txt.gz',
      /latin1\.txt\.gz \(decompressed\):2, byte 10: bad text record: expected UTF-8 text, found byte 0xe9/,
    );
    const skipped = await runCli(['run', 'wordcount', '-i', fx('latin1.txt.gz'), '-q', '-f', 'json', '--max-bad-records', '1']);
    expect(skipped.status).toBe(0);
    // The good lines are "good line" and "another": three words, once each.
    expect(JSON.parse(skipped.stdout)).toEqual([
      { word: 'another', count: 1 },
      { word: 'good', count: 1 },
      { word: 'line', count: 1 },
    ]);
  });
});

describe('text-format shapes that broke readers', () => {
  it('an NDJSON object nested 10,000 deep is a bad record (was a stack overflow, exit 70)', async () => {
    expectInputError(
      await runCli(['run', 'groupby', '-i', fx('deep.ndjson'), '-p', 'by=b', '-q']),
      'deep.ndjson',
      /deep\.ndjson:2, byte 16: bad NDJSON record: expected a JSON object nested at most 64 levels deep/,
    );
    const skipped = await runCli(['run', 'groupby', '-i', fx('deep.ndjson'), '-p', 'by=b', '-q', '-f', 'json', '--max-bad-records', '1']);
    expect(skipped.status).toBe(0);
    expect(JSON.parse(skipped.stdout)).toEqual([
      { b: 'x', count: 1 },
      { b: 'z', count: 1 },
    ]);
  });

  it.each([
    // The fuzz's duplicateKey mutation: `v` again at the line's start (was: exit 0 with v = 0.5, the last value).
    ['ndjson-repeated-key.ndjson', 'newline_delimited', /ndjson-repeated-key\.ndjson:3, byte \d+, column "v": bad NDJSON record/, 3],
    // `x` twice in the nested object `m` of the fourth element.
    ['json-repeated-nested-key.json', 'array', /json-repeated-nested-key\.json:5, byte \d+, column "m\.x": bad NDJSON record/, 5],
  ])(
    '%s, a record that repeats a key, is refused as DuckDB refuses it (was: exit 0, the last value read)',
    async (name, format, where, line) => {
      await expect(duckRows(`SELECT * FROM read_json('${fx(name)}', format='${format}')`)).rejects.toThrow(/has duplicate key/);
      const out = path.join(dir, `${name}.parquet`);
      const what = new RegExp(`${where.source}: expected each key once in an object, found the key "[vx]" twice`);
      for (const r of [await groupby(name), await runCli(['convert', fx(name), out, '-q'])]) expectInputError(r, name, what);
      expect(existsSync(out)).toBe(false);
      // inspect shows its sample as text, as for any bad record, and says why.
      expect((await runCli(['inspect', fx(name)])).stdout).toMatch(what);
      // Skipped under --max-bad-records, the rest is what DuckDB reads from the file without that line.
      const rest = path.join(dir, name);
      writeFileSync(
        rest,
        readFileSync(fx(name), 'utf8')
          .split('\n')
          .toSpliced(line - 1, 1)
          .join('\n'),
      );
      const expected = await duckRows(
        `SELECT g, count(*)::INT AS count, sum(v) AS sum_v FROM read_json('${rest}', format='${format}') GROUP BY g ORDER BY g NULLS LAST`,
      );
      const skipped = await groupby(name, '-p', 'agg=count,sum:v', '-f', 'json', '--max-bad-records', '1');
      expect(skipped.status).toBe(0);
      expect(JSON.parse(skipped.stdout)).toEqual(expected);
    },
  );

  it('a CSV header of 40,000 equal names gets unique names (was over a minute of de-duplication)', async () => {
    const r = await runCli(['inspect', fx('equal-names.csv'), '-n', '1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}x: int32$/m);
    expect(r.stdout).toMatch(/^ {2}x_2: int32$/m);
    expect(r.stdout).toMatch(/^ {2}x_40000: int32$/m);
  });

  it('a 40,000-column CSV runs in time linear in its columns (was about 5 s of CPU per batch in a by-name schema merge)', async () => {
    // Every column is x (x, x_2, …); one row of 1s: grouping by x gives the one group, counted once.
    const r = await runCli([
      'run',
      'groupby',
      '-i',
      fx('equal-names.csv'),
      '-p',
      'by=x_40000',
      '-p',
      'agg=count,sum:x_2',
      '-q',
      '-f',
      'json',
    ]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ x_40000: 1, count: 1, sum_x_2: 1 }]);
  });

  it('an empty input is refused by convert, not written as a Parquet file no reader takes', async () => {
    const out = path.join(dir, 'empty.parquet');
    expectInputError(await runCli(['convert', fx('empty.csv'), out, '-q']), 'empty.csv', /no rows to convert, so .* would have no columns/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('Arrow columns that share a name', () => {
  // flechette (independent of Arrow JS) reads the input by position; DuckDB reads what convert wrote.
  const byPosition = (file: string) => {
    const t = flechetteTable(readFileSync(fx(file)));
    return Array.from({ length: t.numRows }, (_, r) =>
      t.children.map((c) => (c.at(r) == null ? null : Number.isNaN(Number(c.at(r))) ? c.at(r) : Number(c.at(r)))),
    );
  };

  it('convert keeps both, the repeat renamed g_2, each with its own type (was: an error naming only the output)', async () => {
    for (const ext of ['parquet', 'arrow', 'ndjson']) {
      const out = path.join(dir, `repeated-names.${ext}`);
      const r = await runCli(['convert', fx('arrows-repeated-names.arrows'), out, '-q', '--overwrite']);
      expect(r.stderr).toBe('');
      const reader = ext === 'ndjson' ? `read_json('${out}')` : ext === 'parquet' ? `read_parquet('${out}')` : undefined;
      if (!reader) {
        const t = flechetteTable(readFileSync(out));
        expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'g', 'g_2']);
        continue;
      }
      const rows = await duckRows(`SELECT * FROM ${reader} ORDER BY id`);
      expect(Object.keys(rows[0]!)).toEqual(['id', 'g', 'g_2']);
      expect(rows.map((x) => [Number(x.id), x.g, x.g_2 == null ? null : Number(x.g_2)])).toEqual(
        byPosition('arrows-repeated-names.arrows'),
      );
    }
  });

  it('fuzz case 189 (11 bytes overwritten in a schema): its fields lie outside the schema message, so it is refused', async () => {
    // Arrow JS read the out-of-range bytes as two blank names and a Float16 type, and convert failed naming only the output.
    const out = path.join(dir, 'blank-names.parquet');
    for (const r of [
      await runCli(['inspect', fx('arrows-float16-blank-names.arrows')]),
      await runCli(['convert', fx('arrows-float16-blank-names.arrows'), out, '-q']),
    ])
      expectInputError(
        r,
        'arrows-float16-blank-names.arrows',
        /message 0 at byte 0 has a corrupt 256-byte header: a vtable at \d+ runs past the message/,
      );
    expect(existsSync(out)).toBe(false);
  });
});

describe('a Parquet footer whose types disagree with its schema', () => {
  it.each([
    // Fuzz case 379 of seed 2, kept as found: one bit of DuckDB's footer made the v column INT32 (was: half of
    // each page of doubles read as int32s, 300 rows with a v sum of 115,629,768,940, exit 0).
    [
      'parquet-type-flipped.parquet',
      /row group 0, column "v": its chunk holds DOUBLE values, but the schema says INT32/,
      /Incorrect stats size for type INTEGER/,
    ],
    // Made by make.mjs: both types FLOAT, the statistics 8 bytes (Polars reads 0, 0, 0, … from it).
    [
      'parquet-stats-width.parquet',
      /row group 0, column "v": its max statistic has 8 bytes, but a FLOAT value has 4/,
      /Incorrect stats size for type FLOAT/,
    ],
    // Fuzz seed 7, case 220, kept as found: three bits of Polars' footer made the file's row count -301 (was: 300 rows, exit 0).
    ['parquet-rows-negative.parquet', /it says it has -301 rows, but its row groups hold 300/, /has negative number of rows/],
  ])('%s is refused by inspect, run and convert, as DuckDB refuses it', async (name, what, duckError) => {
    await expect(duckRows(`SELECT sum(v) FROM read_parquet('${fx(name)}')`)).rejects.toThrow(duckError);
    const out = path.join(dir, `${name}.out.parquet`);
    for (const r of [await runCli(['inspect', fx(name)]), await groupby(name), await runCli(['convert', fx(name), out, '-q'])])
      expectInputError(r, name, new RegExp(`is not a valid Parquet file: ${what.source}; the footer is corrupt`));
    expect(existsSync(out)).toBe(false);
  });
});

describe('a Parquet footer whose embedded Arrow schema makes parquet-wasm trap', () => {
  it('is refused by inspect, run and convert before parquet-wasm reads it (fuzz seed 1, case 71, kept as found)', async () => {
    // Four flipped bits; DuckDB reads its 300 rows (it reads only the Parquet schema), parquet-wasm trapped
    // ("unreachable") on the ARROW:schema: the message was "its footer does not decode (RuntimeError:
    // unreachable)", a raw trap's name. The embedded schema's flatbuffer is now checked against its bytes first.
    const name = 'parquet-footer-trap.parquet';
    const out = path.join(dir, 'footer-trap.out.parquet');
    for (const r of [await runCli(['inspect', fx(name)]), await groupby(name), await runCli(['convert', fx(name), out, '-q'])]) {
      expectInputError(
        r,
        name,
        /its footer does not decode \(Error: its Arrow schema does not decode: a vtable at \d+ runs past the message\)/,
      );
      expect(r.stderr).not.toContain('RuntimeError');
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('a Parquet page header with a field of the wrong Thrift type', () => {
  it('is refused by inspect, run and convert, as DuckDB refuses it (fuzz case 913, kept as found: was 300 rows, exit 0)', async () => {
    // Four bits of a parquet-rs file; one turns the first byte of column v's page header, PageHeader.type's field header,
    // from an i32 (wire type 5) into wire type 13. parquet-wasm (arrow-rs) skipped the field and read on.
    const name = 'parquet-page-header-type.parquet';
    await expect(duckRows(`SELECT sum(v) FROM read_parquet('${fx(name)}')`)).rejects.toThrow(/don't know what type/);
    const out = path.join(dir, 'page-header-type.out.parquet');
    const what = new RegExp(
      String.raw`row group 0, column "v": the page header at byte 1427 has PageHeader\.type \(field 1\) of Thrift type 13 ` +
        String.raw`\(no such type\), where parquet\.thrift says i32: the file is corrupt`,
    );
    for (const r of [
      await runCli(['inspect', fx(name)]),
      await groupby(name, '-p', 'agg=sum:v'),
      await runCli(['convert', fx(name), out, '-q']),
    ])
      expectInputError(r, name, what);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a Parquet footer whose embedded Arrow schema has a corrupt vector length', () => {
  it('is refused by inspect, run and convert (fuzz seed 7, case 1025, kept as found: was a heap that grew until it ran out)', async () => {
    // Polars, which reads the embedded schema too, refuses it; DuckDB reads only the Parquet schema.
    const name = 'parquet-arrow-schema-vector.parquet';
    const out = path.join(dir, 'arrow-schema-vector.out.parquet');
    for (const r of [await runCli(['inspect', fx(name)]), await groupby(name), await runCli(['convert', fx(name), out, '-q'])])
      expectInputError(
        r,
        name,
        /its footer does not decode \(Error: its Arrow schema does not decode: a vector at \d+ claims \d+ entries, past the end/,
      );
    expect(existsSync(out)).toBe(false);
  });
});

describe('a Parquet page whose Snappy stream and header size were hit (decoded, it gave values outside its statistics)', () => {
  it('is refused by run, as DuckDB refuses it (fuzz seed 5, case 693, kept as found: was a v sum of 288,149,368,466, exit 0)', async () => {
    // Three bits flipped inside a Snappy page of doubles: parquet-wasm decodes it without complaint to values up
    // to 4.5e10, where the footer says the chunk's max is 99.281 (DuckDB and Polars fail on the Snappy stream).
    const name = 'parquet-snappy-garbage.parquet';
    await expect(duckRows(`SELECT sum(v) FROM read_parquet('${fx(name)}')`)).rejects.toThrow(/Snappy decompression failure/);
    // One of the three bits is in the dictionary page header's compressed_page_size (the varint 0xe8 0x18: 1588 bytes,
    // where the Snappy stream runs one byte further), so the walk over v's page headers (parquet-pages.ts) now refuses
    // the file before any page is decoded: the next header would start at byte 3400, where a double lies.
    const header = /row group 0, column "v": the page header at byte 3400 has PageHeader\.\w+ \(field \d+\) of Thrift type \w+, where /;
    expectInputError(await groupby(name, '-p', 'agg=count,sum:v', '--batch-rows', '64'), name, header);
    expectInputError(await groupby(name, '-p', 'agg=count,sum:v'), name, /the file is corrupt/);
  });
});
