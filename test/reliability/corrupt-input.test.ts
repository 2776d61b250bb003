import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tableFromArrays, tableToIPC, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { InputError, makePlan, run } from 'quiver-engine';
import { BadRecords } from '../../dist/src/io/bad-records.js';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { CLI, tempDir } from '../helpers/tmp.js';
import { fixture } from './corpus.js';

const dir = tempDir();
const ROWS = 1000;
const BATCHES = 5;
/** id = row % 7, v = row: five record batches of 1000 rows. */
const good = path.join(dir, 'good.arrow');
writeFileSync(
  good,
  tableToIPC(
    new Table(
      Array.from(
        { length: BATCHES },
        (_, b) =>
          tableFromArrays({
            id: Int32Array.from({ length: ROWS }, (_, i) => (b * ROWS + i) % 7),
            v: Float64Array.from({ length: ROWS }, (_, i) => b * ROWS + i),
          }).batches[0]!,
      ),
    ),
    'file',
  ),
);

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, 'run', fixture('sum-by-id'), ...args], { encoding: 'utf8' });
}

describe('an input that is not what its extension says', () => {
  it('a truncated Arrow file: a clear error naming it, exit 1, no crash', () => {
    const cut = path.join(dir, 'cut.arrow');
    writeFileSync(cut, readFileSync(good).subarray(0, 30_000));
    const r = cli(['-i', cut]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `quiver: io error: ${cut} is not a valid Arrow IPC file: it does not end with the ARROW1 magic bytes (truncated?). If it is an Arrow stream, name it .arrows; if it is text, pass --input-format text\n`,
    );
  });

  it('a file of random bytes named .arrow: a clear error naming it, exit 1, no crash', () => {
    const noise = path.join(dir, 'noise.arrow');
    writeFileSync(noise, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 2654435761) >>> 24)));
    const r = cli(['-i', noise]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `quiver: io error: ${noise} is not a valid Arrow IPC file: it does not start with the ARROW1 magic bytes. If it is an Arrow stream, name it .arrows; if it is text, pass --input-format text\n`,
    );
  });

  it('random bytes read as text: every line is a bad record, named by file:line', async () => {
    const noise = path.join(dir, 'noise.txt');
    writeFileSync(noise, Buffer.concat([Buffer.from('fine line\n'), Buffer.from([0xff, 0xfe, 0x41, 0x0a])]));
    const err = await run('wordcount', { input: noise, workers: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      `${noise}:2, byte 10: bad text record: expected UTF-8 text, found byte 0xff after 0 characters; pass --max-bad-records N to skip up to N bad records (split 1 of 1 of ${noise}, bytes 0–13)`,
    );
  });

  it('an Arrow file cut short after planning: its lost record batches are skipped and counted under --max-bad-records', async () => {
    const file = path.join(dir, 'shrinking.arrow');
    copyFileSync(good, file);
    const plan = await makePlan({ inputs: [file], workers: 1, batchRows: ROWS * BATCHES });
    expect(plan.splits).toHaveLength(1);
    truncateSync(file, 40_000); // batches 3 and 4 (0-based) now run past the end
    await expect(readSplit(plan.splits[0]!, ROWS, undefined, undefined, new BadRecords(0))).rejects.toThrow(InputError);
    const bad = new BadRecords(10_000);
    const batches = await readSplit(plan.splits[0]!, ROWS, undefined, undefined, bad);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(3 * ROWS);
    expect(bad.count).toBe(2 * ROWS);
    expect(bad.examples.map((e) => e.expected)).toEqual([
      'a decodable record batch (batch 3, rows 3000–3999)',
      'a decodable record batch (batch 4, rows 4000–4999)',
    ]);
  });
});

// The job (test/fixtures/jobs/cuts-its-input.ts) truncates its own input while folding the first
// split: the batches it has not read yet are gone. (A memory-mapped reader would die of SIGBUS here.)
describe('an Arrow file cut short while a task reads it', () => {
  const cutting = (name: string) => {
    const file = path.join(dir, name);
    copyFileSync(good, file);
    return file;
  };
  const SHORT = /expected \d+ bytes at offset \d+, the file has only \d+ there \(was it truncated after planning\?\)/;

  it('one worker: the run fails with an error naming the file, never a crash or a wrong sum', async () => {
    const file = cutting('cut-under-1.arrow');
    const err = await run(fixture('cuts-its-input'), { input: file, workers: 1, splitSize: '16KB' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(SHORT);
    expect((err as InputError).message).toContain(file);
  });

  it('two workers: an error naming the file, or the whole sum when the other worker read its splits before the cut', async () => {
    // Reads are preads of a split's bytes, so a worker that read its splits before the cut holds the
    // file's real rows: both outcomes are right; a partial sum (rows lost without an error) is not.
    const file = cutting('cut-under-2.arrow');
    const outcome = await run(fixture('cuts-its-input'), { input: file, workers: 2, splitSize: '16KB' }).catch((e: unknown) => e);
    if (outcome instanceof Error) {
      expect(outcome).toBeInstanceOf(InputError);
      expect(outcome.message).toMatch(SHORT);
      expect(outcome.message).toContain(file);
    } else {
      const total = (ROWS * BATCHES * (ROWS * BATCHES - 1)) / 2;
      expect((outcome as { value?: unknown }).value).toBe(total);
    }
  });

  it('from the CLI: exit 1 and one line on stderr', () => {
    const file = cutting('cut-cli.arrow');
    const r = spawnSync(process.execPath, [CLI, 'run', fixture('cuts-its-input'), '-i', file, '--workers', '1', '--split-size', '16KB'], {
      encoding: 'utf8',
    });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^quiver: io error: .*cut-cli\\.arrow.*${SHORT.source}`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

// The same job on text formats: a text reader finds the split past the cut empty, so without a check
// against the plan's size it reads nothing and the run ends with the rows before the cut (fuzz seed 5,
// cases 336, 413, 1481: big.ndjson cut while read gave 35,139 of 60,000 rows, exit 0).
describe('NDJSON and CSV files cut short while a task reads them', () => {
  const N = 20_000;
  const text = {
    ndjson: Array.from({ length: N }, (_, i) => JSON.stringify({ id: i % 7, v: i })).join('\n') + '\n',
    csv: 'id,v\n' + Array.from({ length: N }, (_, i) => `${i % 7},${i}`).join('\n') + '\n',
  };
  it.each(['ndjson', 'csv'] as const)('%s: an error naming the file, never the rows before the cut', async (format) => {
    const file = path.join(dir, `cut-under.${format}`);
    writeFileSync(file, text[format]);
    // Records of at most 1 KB: a CSV split is at least 4 × the longest record, 4 MB by default (one split here).
    const formatOptions = { csv: { maxRecordBytes: 1024 } };
    const err = await run(fixture('cuts-its-input'), { input: file, workers: 1, splitSize: '16KB', formatOptions }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(file);
    expect((err as InputError).message).toMatch(
      /ends at byte 64, but it had \d+ bytes or more when the run was planned|ended at byte 64, before/,
    );
  });
});
