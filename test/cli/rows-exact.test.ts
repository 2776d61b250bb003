// Row counts a user can trust: `inspect` says "exact" only when it read the whole file, and the last
// progress event of a run carries the rows really read, not the planner's estimate. DuckDB counts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type RunProgress } from 'quiver-engine';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const small = path.join(dir, 'small.csv');
const big = path.join(dir, 'big.csv');
const counts: Record<string, number> = {};

beforeAll(async () => {
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  await con.run(`COPY (SELECT i, 'name ' || i AS s FROM range(500) t(i)) TO '${small}' (FORMAT csv, HEADER)`);
  await con.run(`COPY (SELECT i, repeat('x', i % 50) AS s FROM range(120000) t(i)) TO '${big}' (FORMAT csv, HEADER)`);
  for (const f of [small, big]) counts[f] = Number((await con.runAndReadAll(`SELECT count(*) AS n FROM '${f}'`)).getRowObjects()[0]!.n);
  con.closeSync();
});

describe('row counts', () => {
  it('inspect says exact when the sample was the whole file, and estimated otherwise', async () => {
    const s = await runCli(['inspect', small]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toContain(`rows      ${counts[small]!.toLocaleString('en-US')} (exact: the whole file was read)`);
    const b = await runCli(['inspect', big]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/rows {6}~[\d,]+ \(estimated from [\d,]+ sampled rows\)/);
  });

  it('inspect counts the bad records of a file it read whole apart from its rows', async () => {
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const good = async (sql: string) => Number((await con.runAndReadAll(sql)).getRowObjects()[0]!.n);
    // CSV: a record of three fields under a header of two (a planner's sample counts it as a row).
    const csv = path.join(dir, 'bad-width.csv');
    writeFileSync(csv, 'a,b\n1,2\n3,4,5\n7,8\n9,10\n');
    const csvRows = await good(`SELECT count(*) AS n FROM read_csv('${csv}', ignore_errors = true)`);
    con.closeSync();
    expect(csvRows).toBe(3);
    // NDJSON: a cut object (line 2) and a repeated key (line 4) among three good lines (a known count:
    // DuckDB's ignore_errors reads the cut object on into the next line, and takes a repeated key's last value).
    const ndjson = path.join(dir, 'bad-lines.ndjson');
    writeFileSync(ndjson, '{"a":1}\n{"a":2,\n{"a":3}\n{"a":4,"a":5}\n{"a":6}\n');
    const ndjsonRows = 3;
    for (const [file, rows, bad, line] of [
      [csv, csvRows, 1, 3],
      [ndjson, ndjsonRows, 2, 2],
    ] as const) {
      const s = await runCli(['inspect', file]);
      expect(s.status, s.stderr).toBe(0);
      expect(s.stdout).toContain(`rows      ${rows} good and ${bad} bad record${bad === 1 ? '' : 's'} (the whole file was read; `);
      expect(s.stdout).toContain(`the first bad one: ${file}:${line}, `);
      expect(s.stdout).not.toContain('(exact');
    }
  });

  it('the last progress event carries the rows the run read', async () => {
    const events: RunProgress[] = [];
    const grep = await run('grep', {
      input: big,
      workers: 2,
      splitSize: '1MB',
      params: { pattern: 'x', column: 's' },
      onProgress: (p) => events.push(p),
    });
    expect(grep.report.input.rows).toBe(counts[big]);
    const last = events.at(-1)!;
    expect(last.phase).toBe('done');
    expect(last.rowsTotal).toBe(counts[big]);
    expect(last.rowsDone).toBe(counts[big]);
  });
});
