import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { InputError, run } from 'quiver-engine';
import { CLI, tempDir } from '../helpers/tmp.js';
import { rowsOf } from '../helpers/reference.js';
import { fixture } from './corpus.js';

const dir = tempDir();

/** A CSV `word,n` of `rows` records where every 97th has a field too many and every 131st one too few. */
function badCsv(name: string, rows: number): { file: string; badLines: number[]; expected: Array<{ word: string; total: number }> } {
  const lines = ['word,n'];
  const badLines: number[] = [];
  const totals = new Map<string, number>();
  for (let i = 1; i <= rows; i++) {
    const word = `w${i % 13}`;
    if (i % 97 === 0) lines.push(`${word},${i},extra`);
    else if (i % 131 === 0) lines.push(word);
    else {
      lines.push(`${word},${i}`);
      totals.set(word, (totals.get(word) ?? 0) + i);
      continue;
    }
    badLines.push(i + 1); // 1-based, after the header
  }
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  const expected = [...totals].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([word, total]) => ({ word, total }));
  return { file, badLines, expected };
}

const a = badCsv('a.csv', 6000);
const b = badCsv('b.csv', 1500);
const bad = a.badLines.length + b.badLines.length;

describe('malformed records', () => {
  it('stop the run by default, at file:line with what was expected', async () => {
    const err = await run(fixture('sum-csv'), { input: a.file, workers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^${a.file}:98, byte \\d+: bad CSV record: expected 2 fields, found 3 fields \\(too many; .*\\); pass --max-bad-records N to skip up to N bad records`,
      ),
    );
  });

  for (const workers of [1, 2, 3]) {
    for (const splitSize of ['8KB', '1MB']) {
      it(`are skipped and counted exactly per file under --max-bad-records (${workers} workers, ${splitSize} splits)`, async () => {
        const examples = path.join(dir, `examples-${workers}-${splitSize}.ndjson`);
        // Records are short: allowing 256-byte records lets 8 KB splits cut the files into several.
        const { table, report } = await run(fixture('sum-csv'), {
          input: [a.file, b.file],
          workers,
          splitSize,
          maxBadRecords: bad,
          badRecordsFile: examples,
          formatOptions: { csv: { maxRecordBytes: 256 } },
        });
        expect(report.input.splits).toBeGreaterThan(splitSize === '8KB' ? 6 : 1);
        const both = new Map<string, number>();
        for (const r of [...a.expected, ...b.expected]) both.set(r.word, (both.get(r.word) ?? 0) + r.total);
        expect(rowsOf(table)).toEqual([...both].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([word, total]) => ({ word, total })));
        expect(report.badRecords).toEqual({
          total: bad,
          byFile: { [a.file]: a.badLines.length, [b.file]: b.badLines.length },
          examplesFile: examples,
        });
        const written = readFileSync(examples, 'utf8')
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as { file: string; line: number });
        expect(written.map((e) => `${path.basename(e.file)}:${e.line}`).sort()).toEqual(
          [...a.badLines.map((l) => `a.csv:${l}`), ...b.badLines.map((l) => `b.csv:${l}`)].sort(),
        );
      });
    }
  }

  it('fail the run once there are more than --max-bad-records', async () => {
    const err = await run(fixture('sum-csv'), {
      input: [a.file, b.file],
      workers: 2,
      splitSize: '8KB',
      maxBadRecords: bad - 1,
      formatOptions: { csv: { maxRecordBytes: 256 } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^${bad} bad records so far, more than --max-bad-records ${bad - 1} \\(.*\\); the first: .*\\.csv:\\d+, byte \\d+: bad CSV record: .*; pass --bad-records-file to see them\\. Fix the input, or raise --max-bad-records$`,
      ),
    );
  });

  it('as a percentage, are judged against the records read', async () => {
    const records = 6000;
    const share = (100 * a.badLines.length) / records;
    const { report } = await run(fixture('sum-csv'), {
      input: a.file,
      workers: 2,
      splitSize: '8KB',
      maxBadRecords: `${Math.ceil(share * 10) / 10}%`,
    });
    expect(report.badRecords?.total).toBe(a.badLines.length);
    await expect(
      run(fixture('sum-csv'), { input: a.file, workers: 2, splitSize: '8KB', maxBadRecords: `${Math.floor(share * 10) / 10}%` }),
    ).rejects.toThrow(
      new RegExp(
        `^${a.badLines.length} bad records in ${records.toLocaleString('en-US')} records, more than --max-bad-records ${Math.floor(share * 10) / 10}% \\(`,
      ),
    );
  });

  it('in NDJSON input, lines that are not JSON objects are skipped, also when the planner samples them', async () => {
    const file = path.join(dir, 'events.ndjson');
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ word: `w${i % 3}`, n: i }));
    lines[2] = '{"word": "w2",';
    lines[17] = '[1, 2]';
    writeFileSync(file, lines.join('\n') + '\n');
    const err = await run(fixture('sum-csv'), { input: file, workers: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`^${file}:3, byte \\d+: bad NDJSON record: expected a JSON object`));
    const { table, report } = await run(fixture('sum-csv'), { input: file, workers: 2, maxBadRecords: 2 });
    const totals = new Map<string, number>();
    for (let i = 0; i < 40; i++) if (i !== 2 && i !== 17) totals.set(`w${i % 3}`, (totals.get(`w${i % 3}`) ?? 0) + i);
    expect(rowsOf(table)).toEqual([...totals].sort().map(([word, total]) => ({ word, total })));
    expect(report.badRecords).toEqual({ total: 2, byFile: { [file]: 2 }, examplesFile: undefined });
  });

  it('in text input are lines that are not UTF-8, counted in the CLI report', () => {
    const text = path.join(dir, 'latin1.txt');
    writeFileSync(
      text,
      Buffer.concat([Buffer.from('plain words\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]), Buffer.from('more words\n')]),
    );
    const r = spawnSync(process.execPath, [CLI, 'run', 'wordcount', '-i', text, '--max-bad-records', '1', '--format', 'csv'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('word,count\nmore,1\nplain,1\nwords,2\n');
    expect(r.stderr).toContain(`  bad records skipped: 1 (${text}: 1)`);
  });
});
