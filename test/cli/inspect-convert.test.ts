import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const csv = path.join(dir, 'people.csv');
writeFileSync(csv, 'name,age,score,member\n"Smith, Ann",34,1.5,true\nBo,,2.25,false\nCy,51,NA,true\n');

describe('quiver inspect, explain and convert', () => {
  it('inspect shows the dialect, inferred schema, estimated rows and first rows of a CSV', () => {
    const out = execFileSync(process.execPath, [CLI, 'inspect', csv, '--null', '', '--null', 'NA'], { encoding: 'utf8' });
    expect(out).toContain('format    csv');
    expect(out).toContain('rows      3 (exact: the whole file was read)');
    expect(out).toMatch(/name: (dict|utf8)\n {2}age: int32\n {2}score: float64\n {2}member: bool/);
    expect(out).toContain('Smith, Ann');
  });

  it('explain says a gzip file is one task, not splittable', () => {
    const gz = path.join(dir, 'people.csv.gz');
    writeFileSync(gz, gzipSync(Buffer.from('name,age\nA,1\n'.repeat(1))));
    const out = execFileSync(process.execPath, [CLI, 'explain', 'groupby', '-i', gz, '-p', 'by=name'], { encoding: 'utf8' });
    expect(out).toContain('gzip-compressed: not splittable, read by one task');
  });

  it('convert writes the output atomically and leaves nothing behind when the input is bad', () => {
    const ok = spawnSync(process.execPath, [CLI, 'convert', csv, path.join(dir, 'people.parquet')], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/converted 3 rows/);
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'a,b\n1,2\n3,4,5\n');
    const r = spawnSync(process.execPath, [CLI, 'convert', bad, path.join(dir, 'bad.parquet')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('bad.csv:3');
    expect(existsSync(path.join(dir, 'bad.parquet'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
