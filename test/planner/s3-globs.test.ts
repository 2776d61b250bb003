import picomatch from 'picomatch';
import { expect, it } from 'vitest';
import { globToRegExp } from '../../dist/src/planner/s3-inputs.js';

// Key globs of s3:// inputs match the keys picomatch (tinyglobby's matcher, for local globs) matches.
const KEYS = [
  'a.csv',
  'logs/a.csv',
  'logs/b.csv',
  'logs/2024-01.csv',
  'logs/2024-02.parquet',
  'logs/deep/part-0.csv',
  'logs/deep/er/part-1.csv',
  'logs/x.y.csv',
  'logs/c+d.csv',
  'other/part-0.csv',
];
const PATTERNS = [
  'logs/*.csv',
  'logs/**/*.csv',
  '**/part-{0,1}.csv',
  'logs/2024-0?.*',
  'logs/[ab].csv',
  'logs/[^ab]*.csv',
  '**',
  'logs/*',
  '*.csv',
  'logs/c+d.csv',
  'logs/x.y.csv',
];

it('matches the keys picomatch matches', () => {
  for (const p of PATTERNS) {
    const ours = KEYS.filter((k) => globToRegExp(p).test(k));
    const theirs = KEYS.filter((k) => picomatch(p)(k));
    expect({ p, keys: ours }).toEqual({ p, keys: theirs });
  }
});
