import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const input = path.join(dir, 'in.txt');
writeFileSync(input, 'a b c\n');
const existing = path.join(dir, 'exists.csv');
writeFileSync(existing, 'x\n');

const cases: Array<[string[], string]> = [
  [['-w', 'two'], '--workers must be a positive integer, got "two"'],
  [['-r', '0'], '--reducers must be a positive integer, got "0"'],
  [['--split-size', 'big'], '--split-size must be a size such as 4KB, 64MB or 1GB, got "big"'],
  [['--batch-rows', 'x'], '--batch-rows must be a positive integer, got "x"'],
  [['--format', 'yaml'], '--format must be table, csv or json, got "yaml"'],
  [['--limit', '0'], '--limit must be a positive integer, got "0"'],
  [['-o', path.join(dir, 'out.xyz')], `cannot tell the output format of ${path.join(dir, 'out.xyz')}: use an extension`],
  [['-o', '/no/such/folder/out.csv'], '--output /no/such/folder/out.csv: folder /no/such/folder does not exist; create it first'],
  [['-o', existing], `--output ${existing} already exists; pass --overwrite to replace it`],
  [
    ['--json-report', '/no/such/folder/r.json'],
    '--json-report /no/such/folder/r.json: folder /no/such/folder does not exist; create it first',
  ],
  [['--max-attempts', '0'], '--max-attempts must be a positive integer, got "0"'],
  [['--timeout', 'soon'], '--timeout must be a duration such as 90s, 30m or 2h, got "soon"'],
  [['--worker-memory', 'lots'], '--worker-memory must be a size such as 4KB, 64MB or 1GB, got "lots"'],
  [['--worker-memory', '1mb'], '--worker-memory must be at least 16mb (a worker needs that to start), got "1mb"'],
  [['--memory', '-3'], '--memory must be a size such as 4KB, 64MB or 1GB, got "-3"'],
  [['--progress', 'fancy'], '--progress must be bar, json or none, got "fancy"'],
  [['--max-bad-records', 'many'], '--max-bad-records must be a count such as 100 or a percentage such as 0.5%, got "many"'],
  [['--max-bad-records', '101%'], '--max-bad-records must be a count such as 100 or a percentage such as 0.5%, got "101%"'],
  [
    ['--bad-records-file', path.join(dir, 'bad.ndjson')],
    '--bad-records-file needs --max-bad-records: without it the first bad record stops the run',
  ],
  [['-p', 'novalue'], '--param must look like name=value, got "novalue"'],
  [['-p', 'nope=1'], 'unknown --param "nope" for job "wordcount": it takes no parameters'],
];

describe('a mistaken option of quiver run', () => {
  for (const [args, message] of cases) {
    it(`${args.join(' ')}: exits 2 naming the option and the fix`, () => {
      const r = spawnSync(process.execPath, [CLI, 'run', 'wordcount', '-i', input, '-w', '1', ...args], { encoding: 'utf8' });
      expect(r.stderr).toContain(`quiver: usage error: ${message}`);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.status).toBe(2);
    });
  }
});
