// Row counts a user can trust: `inspect` says "exact" only when it read the whole file, and the last
// progress event of a run carries the rows really read, not the planner's estimate. DuckDB counts.
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
