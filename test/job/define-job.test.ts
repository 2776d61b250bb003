import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineJob, JobError } from 'quiver-engine';
import { loadJob } from '../../dist/src/job/load.js';
import { ROOT } from '../helpers/tmp.js';

const map = () => undefined;
const sum = (a: number, b: number) => a + b;

/** Calls defineJob with a spec that its types would reject, as a JavaScript user could. */
const define = (spec: Record<string, unknown>) => () => defineJob(spec as never);

describe('defineJob', () => {
  it('infers the kind of a keyed job and of a fold job', () => {
    expect(defineJob({ name: 'k', map, combine: sum }).kind).toBe('keyed');
    expect(defineJob({ name: 'f', identity: () => 0, fold: (a: number) => a, merge: sum }).kind).toBe('fold');
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no name', { map, combine: sum }, /has no name: add `name: 'my-job'`/],
    ['an empty name', { name: '', map, combine: sum }, /has no name/],
    [
      'neither map nor fold',
      { name: 'j' },
      /job "j" has none of `map`, `fold`, `conquer` or `drive`: add `map\(batch, emit, ctx\)` and `combine\(a, b\)`/,
    ],
    ['both map and fold', { name: 'j', map, combine: sum, identity: () => 0, fold: map, merge: sum }, /job "j" has both `map` and `fold`/],
    ['map without combine', { name: 'j', map }, /job "j" is missing `combine`: add `combine: \(a, b\) => a \+ b`/],
    [
      'fold without identity',
      { name: 'j', fold: map, merge: sum },
      /job "j" is missing `identity`: add `identity: \(\) => \(\{ \.\.\. \}\)`/,
    ],
    ['fold without merge', { name: 'j', identity: () => 0, fold: map }, /job "j" is missing `merge`/],
    ['combine that is not a function', { name: 'j', map, combine: 'sum' }, /job "j": `combine` must be a function, got string/],
    [
      'a keyed job with finish',
      { name: 'j', map, combine: sum, finish: map },
      /job "j" is a keyed job but also has `finish`, which only fold jobs use; remove it/,
    ],
    [
      'a fold job with reduce and partition',
      { name: 'j', identity: () => 0, fold: map, merge: sum, reduce: map, partition: map },
      /is a fold job but also has `reduce`, `partition`.*remove them/,
    ],
    ['a wrong kind', { name: 'j', kind: 'fold', map, combine: sum }, /says `kind: 'fold'` but has `map`; remove `kind`/],
    [
      'an unknown sort',
      { name: 'j', map, combine: sum, sort: 'asc' },
      /`sort` must be one of 'key', 'key-desc', 'value', 'value-desc', 'none'.*got "asc"/,
    ],
    ['columns that are not names', { name: 'j', map, combine: sum, columns: 'v1' }, /`columns` must be an array of column names/],
    [
      'dictionary columns that are not names',
      { name: 'j', map, combine: sum, dictionary: [1] },
      /`dictionary` must be an array of column names/,
    ],
    [
      'dictionary columns on a driver',
      { name: 'j', drive: map, dictionary: ['k'] },
      /`dictionary` is for jobs that read input in splits \(keyed, fold\); a driver job names the columns of the jobs it runs/,
    ],
    [
      'output without names',
      { name: 'j', map, combine: sum, output: { key: 3 } },
      /`output` must look like \{ key: 'word', value: 'count' \}/,
    ],
    [
      'a param without a type',
      { name: 'j', map, combine: sum, params: { n: { default: 3 } } },
      /param "n" needs `type`, one of string, number, integer, boolean, list, json; got undefined/,
    ],
    [
      'a param of an unknown type',
      { name: 'j', map, combine: sum, params: { n: { type: 'float' } } },
      /param "n" needs `type`.*got "float"/,
    ],
    [
      'an integer param with a string default',
      { name: 'j', map, combine: sum, params: { n: { type: 'integer', default: 'ten' } } },
      /the default of param "n" does not match its type: --param n must be an integer, got "ten"/,
    ],
    [
      'an integer param with a fractional default',
      { name: 'j', map, combine: sum, params: { n: { type: 'integer', default: 2.5 } } },
      /default of param "n" does not match its type/,
    ],
    [
      'a boolean param with a number default',
      { name: 'j', map, combine: sum, params: { on: { type: 'boolean', default: 2 } } },
      /default of param "on" does not match its type: --param on must be true or false/,
    ],
    [
      'params that are not an object',
      { name: 'j', map, combine: sum, params: ['n'] },
      /`params` must be an object like \{ bins: \{ type: 'integer', default: 20 \} \}/,
    ],
  ];
  for (const [what, spec, message] of bad) {
    it(`rejects ${what}, saying how to fix it`, () => {
      expect(define(spec)).toThrow(JobError);
      expect(define(spec)).toThrow(message);
    });
  }

  it('rejects a spec that is not an object', () => {
    expect(() => defineJob(null as never)).toThrow(/must be an object passed to defineJob\(\{\.\.\.\}\), got null/);
  });
});

describe('loading a job file', () => {
  const fixture = (name: string) => path.join(ROOT, 'test/fixtures/jobs', name);

  it('checks a default export made without defineJob', async () => {
    await expect(loadJob(fixture('map-and-fold.ts'))).rejects.toThrow(/job "map-and-fold" has both `map` and `fold`/);
    await expect(loadJob(fixture('not-a-job.ts'))).rejects.toThrow(
      /not-a-job\.ts must be an object passed to defineJob\(\{\.\.\.\}\), got function/,
    );
    await expect(loadJob(fixture('no-default-export.ts'))).rejects.toThrow(/has no default export/);
  });

  it('loads a built-in job by name', async () => {
    const { job, file } = await loadJob('linear-regression');
    expect(job.kind).toBe('fold');
    expect(file).toBe(path.join(ROOT, 'jobs/linear-regression.ts'));
  });
});
