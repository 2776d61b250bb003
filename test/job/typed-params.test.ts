import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from 'quiver-engine';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { typecheck } from '../helpers/tsc.js';

// test/fixtures/jobs/typed-params.ts declares its params; its `@ts-expect-error` lines fail the compile
// unless TypeScript types ctx.params from the declaration (a misspelt name, a wrong type).
const JOB = path.join(ROOT, 'test/fixtures/jobs/typed-params.ts');
const dir = tempDir('quiver-typed-params-');

describe('ctx.params is typed from the job’s params declaration', () => {
  it('TypeScript (strict) rejects a misspelt param and a param used as the wrong type', () => {
    typecheck(JOB, dir);
  }, 240_000);

  it('runs, counting the rows a plain count gives', async () => {
    const input = path.join(dir, 'lines.txt');
    writeFileSync(input, 'a\nb\nc\n');
    const { value } = await run(JOB, { input, workers: 1, params: { column: 'line' } });
    expect(value).toEqual({ rows: 3 });
  });
});
