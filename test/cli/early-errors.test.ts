// Mistakes caught before any task runs, each with the fix in its message: a column the input does not
// have (from the job's params or --columns), an output that is one of the inputs, more workers than
// cores. Inputs are written by DuckDB, as a user's would be.
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const parquet = path.join(dir, 'events.parquet');
const csv = path.join(dir, 'events.csv');

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`CREATE TABLE t AS SELECT i AS id, 'k' || (i % 7) AS status, (i * 3) % 101 AS amount FROM range(2000) r(i)`);
  await con.run(`COPY t TO '${parquet}' (FORMAT parquet)`);
  await con.run(`COPY t TO '${csv}' (FORMAT csv, HEADER)`);
  con.closeSync();
});

describe('a column name that is not in the input', () => {
  it.each([
    ['Parquet', () => parquet],
    ['CSV', () => csv],
  ])('from a --param of a built-in job (%s): usage error with the closest column', async (_, file) => {
    const r = await runCli(['run', 'groupby', '-i', file(), '-p', 'by=statuss', '-p', 'agg=sum:amount']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no column "statuss" in ${file()}; did you mean "status"? (it has id, status, amount)`);
  });

  it('from --columns: no longer dropped silently', async () => {
    const r = await runCli(['convert', parquet, path.join(dir, 'out.csv'), '--columns', 'id,amout']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no column "amout" in .*events\.parquet; did you mean "amount"\? \(--columns asks for it/);
  });

  it('explain shows each column with its type, and which ones the job reads', async () => {
    const r = await runCli(['explain', 'histogram', '-i', parquet, '-p', 'column=amount']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}id: Int64$/m);
    expect(r.stdout).toMatch(/^ {2}status: (Large)?Utf8(View)?$/m);
    expect(r.stdout).toMatch(/^ {2}amount: Int64 {2}\(read\)$/m);
  });
});

describe('an output that is one of the inputs', () => {
  it('is refused by run and convert, even with --overwrite, and the input is left as it was', async () => {
    const copy = path.join(dir, 'copy.csv');
    copyFileSync(csv, copy);
    const before = readFileSync(copy);
    const run = await runCli(['run', 'groupby', '-i', copy, '-p', 'by=status', '-p', 'agg=count', '-o', copy, '--overwrite']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`--output ${copy} is one of the inputs`);
    const convert = await runCli(['convert', copy, `${dir}/./copy.csv`, '--overwrite']);
    expect(convert.status).toBe(2);
    expect(convert.stderr).toContain('is one of the inputs');
    expect(readFileSync(copy).equals(before)).toBe(true);
    expect(statSync(copy).size).toBe(before.length);
  });
});

describe('more workers than cores', () => {
  it('warns, and the report never counts more busy cores than there are', async () => {
    const cores = os.availableParallelism();
    const workers = cores + 3;
    const r = await runCli(['run', 'groupby', '-i', parquet, '-p', 'by=status', '-p', 'agg=count', '-w', String(workers), '-n', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: --workers ${workers} is more than the ${cores} cores here`);
    const busy = /cores: ([\d.]+) of (\d+) busy/.exec(r.stderr)!;
    expect(Number(busy[1])).toBeLessThanOrEqual(cores);
    expect(r.stderr).toContain(`oversubscribed: ${workers} workers shared ${cores} cores`);
  });
});

describe('a keyed job that emits nothing from the rows it read', () => {
  it('says why the result may be empty (state kept at module level is per thread)', async () => {
    const words = path.join(dir, 'words.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(words, 'a b c\nd e\n');
    const r = await runCli(['run', path.join(import.meta.dirname, '../fixtures/jobs/module-state.ts'), '-i', words]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'note: map emitted nothing from 2 rows, so the result is empty. If the job collects into a variable at module level',
    );
  });

  it('says nothing when a built-in job finds nothing', async () => {
    const r = await runCli(['run', 'grep', '-i', csv, '-p', 'pattern=^zzz', '-p', 'column=status']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('note:');
  });
});

describe('a CSV whose lines end in CR alone (classic Mac OS)', () => {
  it('is refused naming the file and the fix, plain and gzipped, where it read as one header line (exit 0, no rows)', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { gzipSync } = await import('node:zlib');
    const crOnly = readFileSync(csv, 'utf8').replaceAll('\n', '\r');
    const plain = path.join(dir, 'mac.csv');
    const gz = path.join(dir, 'mac.csv.gz');
    writeFileSync(plain, crOnly);
    writeFileSync(gz, gzipSync(Buffer.from(crOnly)));
    for (const f of [plain, gz]) {
      const r = await runCli(['run', 'groupby', '-i', f, '-p', 'by=status', '-p', 'agg=count']);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${f}: its lines end in a carriage return alone`);
      expect(r.stderr).toContain("tr '\\r' '\\n'");
    }
  });
});
