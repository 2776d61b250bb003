// A job defined in the very script that runs it would be imported again in every worker thread (and
// run the script's runs again there): quiver refuses it before importing anything, saying what to do.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../helpers/tmp.js';

const pkg = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string }).name;
const dir = tempDir();
mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
symlinkSync(ROOT, path.join(dir, 'node_modules', pkg), 'dir');
writeFileSync(path.join(dir, 'words.txt'), 'a b\nb c\n');

describe('a job defined in the script that runs it', () => {
  it('is refused before the script runs a second time, with the fix', () => {
    const script = path.join(dir, 'inline.mjs');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs';
import { defineJob, run } from '${pkg}';
appendFileSync('starts.log', 'start\\n');
const job = defineJob({ name: 'inline', map(batch, emit) { emit('rows', batch.numRows); }, combine: (a, b) => a + b });
await run(job, { input: 'words.txt', workers: 1 });
`,
    );
    const r = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /job "inline" is defined in .*inline\.mjs, a script that itself runs jobs: .*Move the job to a file of its own/,
    );
    expect(readFileSync(path.join(dir, 'starts.log'), 'utf8')).toBe('start\n');
  });

  it('runs when the job lives in a module of its own that the script imports', () => {
    writeFileSync(
      path.join(dir, 'rows-job.mjs'),
      `import { defineJob } from '${pkg}';\nexport default defineJob({ name: 'rows', map(batch, emit) { emit('rows', batch.numRows); }, combine: (a, b) => a + b });\n`,
    );
    writeFileSync(
      path.join(dir, 'main.mjs'),
      `import { run } from '${pkg}';\nimport job from './rows-job.mjs';\nconst { table } = await run(job, { input: 'words.txt', workers: 1 });\nconsole.log(JSON.stringify(table.toArray().map((r) => r.toJSON())));\n`,
    );
    const r = spawnSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ key: 'rows', value: 2 }]);
  });
});
