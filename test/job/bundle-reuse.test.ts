import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleJob } from '../../dist/src/job/bundle.js';
import { stackToSources } from '../../dist/src/job/source-map.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

// A job's bundle is reused while nothing it was made from changes; any edit, however quick, makes a new one.
describe('job bundles', () => {
  const dir = tempDir();
  const job = path.join(dir, 'job.ts');
  const helper = path.join(dir, 'helper.ts');
  const jobSource =
    "import { defineJob } from 'quiver-engine';\nimport { NAME } from './helper.js';\nexport default defineJob({ name: NAME, identity: () => 0, fold: (a: number) => a, merge: (a: number, b: number) => a + b });\n";
  const nameOf = async (url: string) => ((await import(url)) as { default: { name: string } }).default.name;

  it('are reused while the job and its modules keep their contents, and remade after any edit', async () => {
    writeFileSync(helper, "export const NAME = 'one';\n");
    writeFileSync(job, jobSource);
    const first = await bundleJob(job);
    expect([first.reused, await nameOf(first.url)]).toEqual([false, 'one']);
    const again = await bundleJob(job);
    expect([again.reused, again.url]).toEqual([true, first.url]);

    writeFileSync(helper, "export const NAME = 'two';\n"); // same size, same millisecond as likely as not
    const edited = await bundleJob(job);
    expect([edited.reused, await nameOf(edited.url)]).toEqual([false, 'two']);

    writeFileSync(job, jobSource); // rewritten, not changed
    expect((await bundleJob(job)).reused).toBe(true);

    writeFileSync(path.join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": true } }\n'); // new config next to the job
    expect((await bundleJob(job)).reused).toBe(false);
    expect((await bundleJob(job)).reused).toBe(true);
  });

  it('keep their source map in a file beside them, and a job edited so only its lines move gets a bundle of its own', async () => {
    const file = path.join(dir, 'thrower.ts');
    const body =
      "export default defineJob({ name: 'thrower', identity: () => 0, fold: () => { throw new Error('x'); }, merge: (a: number) => a });\n";
    writeFileSync(file, `import { defineJob } from 'quiver-engine';\n${body}`);
    const first = await bundleJob(file);
    const code = readFileSync(fileURLToPath(first.url), 'utf8');
    expect(code).not.toContain('sourceMappingURL=data:');
    const map = JSON.parse(readFileSync(`${fileURLToPath(first.url)}.map`, 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.endsWith('thrower.ts'))).toBe(true);
    // A comment line before the job: the same code, lines moved; the frame must name the new line.
    writeFileSync(file, `import { defineJob } from 'quiver-engine';\n// moved\n${body}`);
    const moved = await bundleJob(file);
    expect(moved.url).not.toBe(first.url);
    const line = (url: string) => {
      const bundle = fileURLToPath(url);
      const at = readFileSync(bundle, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('new Error('));
      return stackToSources(`at fold (${url}:${at + 1}:1)`);
    };
    expect(line(first.url)).toContain(`${file}:2:`);
    expect(line(moved.url)).toContain(`${file}:3:`);
  });

  it('run as edited from the CLI', async () => {
    const file = path.join(dir, 'count.ts');
    const input = path.join(dir, 'lines.txt');
    writeFileSync(input, 'a\nb\nc\n');
    const version = (n: number) =>
      `import { defineJob } from 'quiver-engine';\nexport default defineJob({ name: 'count', identity: () => 0, fold: (a: number, b) => a + ${n} * b.numRows, merge: (a: number, b: number) => a + b });\n`;
    for (const n of [1, 2, 1]) {
      writeFileSync(file, version(n));
      const r = await runCli(['run', file, '-i', input, '--format', 'json'], dir);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([{ value: 3 * n }]);
    }
  });
});
