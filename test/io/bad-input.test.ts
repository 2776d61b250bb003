import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlan } from 'quiver-engine';
import { BadRecords } from '../../dist/src/io/bad-records.js';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { writeGroupby } from '../helpers/data.js';
import { CLI, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const write = (name: string, data: string | Buffer) => {
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
};

/** Runs groupby on a file through the CLI; returns the exit code and stderr (a hang would hit the timeout). */
function runOn(file: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'run', 'groupby', '-i', file, '-w', '2', '-p', 'by=a', '-q', ...extra], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr };
}

describe('bad input gives a clear error, never a crash, a hang or a wrong count', () => {
  it('random bytes named .parquet', () => {
    const r = runOn(write('random.parquet', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251))));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/random\.parquet is not a valid Parquet file: it does not start with the PAR1 magic bytes/);
  });

  it('a Parquet file cut short', async () => {
    const src = await writeGroupby(dir, 'src.arrow', 2000, 1, 500);
    spawnSync(process.execPath, [CLI, 'convert', src, path.join(dir, 'ok.parquet'), '-q'], { encoding: 'utf8' });
    const bytes = readFileSync(path.join(dir, 'ok.parquet'));
    const r = runOn(write('cut.parquet', bytes.subarray(0, bytes.length - 100)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.parquet is not a valid Parquet file: it does not end with the PAR1 magic bytes \(truncated\?/);
  });

  it('a truncated Arrow IPC file and a truncated Arrow stream', async () => {
    const src = await writeGroupby(dir, 'whole.arrow', 2000, 1, 500);
    const bytes = readFileSync(src);
    const r = runOn(write('cut.arrow', bytes.subarray(0, Math.floor(bytes.length * 0.6))));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cut\.arrow is not a valid Arrow IPC file: it does not end with the ARROW1 magic bytes \(truncated\?\)/);
    spawnSync(process.execPath, [CLI, 'convert', src, path.join(dir, 'whole.arrows'), '-q'], { encoding: 'utf8' });
    const stream = readFileSync(path.join(dir, 'whole.arrows'));
    const s = runOn(write('cut.arrows', stream.subarray(0, Math.floor(stream.length * 0.6))));
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(
      /cut\.arrows is not a valid Arrow IPC stream: message \d+ at byte \d+ needs \d+ bytes but the file ends at \d+ \(truncated\?\)/,
    );
  });

  it('a CSV row with too many fields names the file, line, byte offset and what was expected', () => {
    const r = runOn(write('wide.csv', 'a,b,c\nx,1,2\ny,3,4,5\nz,6,7\n'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('wide.csv:3, byte 12: bad CSV record: expected 3 fields, found 4 fields (too many');
    expect(r.stderr).toContain('--max-bad-records');
  });

  it('a CSV value that does not fit its column type says which column and how to fix it', () => {
    const r = runOn(write('typed.csv', 'a,b\nx,1\ny,oops\n'), '--column', 'b:int32', '-p', 'agg=sum:b');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/typed\.csv:3, byte 10, column "b": bad CSV record: expected an integer .*found "oops"/);
  });

  it('invalid UTF-8 in a CSV file', () => {
    const r = runOn(write('latin1.csv', Buffer.concat([Buffer.from('a,b\nok,1\ncaf'), Buffer.from([0xe9]), Buffer.from(',2\n')])));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latin1\.csv:3, byte 12: bad CSV record: expected UTF-8 text, found bytes that are not valid UTF-8/);
  });

  it('an NDJSON line that is not JSON', () => {
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ a: `k${i % 3}`, n: i }));
    lines[30] = '{"a": "k1", "n": 30,';
    const text = lines.join('\n') + '\n';
    const r = runOn(write('broken.ndjson', text));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `broken.ndjson:31, byte ${text.indexOf('{"a": "k1", "n": 30,')}: bad NDJSON record: expected a JSON object, found`,
    );
  });

  it('a corrupt gzip file', () => {
    const r = runOn(write('bad.csv.gz', Buffer.from('\x1f\x8b\x08\x00garbage that is not deflate data at all')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bad\.csv\.gz does not decompress as gzip/);
  });

  it('skips and counts bad records when allowed, with their lines', async () => {
    const f = write('some-bad.csv', 'a,b\nx,1\ny,2,3\nz,3\nw\n"v",5\n');
    const plan = await makePlan({ inputs: [f], workers: 1 });
    const bad = new BadRecords(5);
    const batches = await readSplit(plan.splits[0]!, 100, undefined, undefined, bad);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(3);
    expect(bad.count).toBe(2);
    expect(bad.examples.map((e) => e.line)).toEqual([3, 5]);
    await expect(readSplit(plan.splits[0]!, 100, undefined, undefined, new BadRecords(1))).rejects.toThrow(
      /some-bad\.csv:5.*more than --max-bad-records 1/,
    );
  });
});
