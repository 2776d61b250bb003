import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerComment } from '../../dist/src/cli/jobs.js';
import { runCli } from '../helpers/cli.js';
import { ROOT } from '../helpers/tmp.js';

const JOBS = path.join(ROOT, 'jobs');
const names = readdirSync(JOBS)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const sourceOf = (name: string) => readFileSync(path.join(JOBS, `${name}.ts`), 'utf8');

/** The description of a job, read from its source: the `description` of its default export. */
function descriptionOf(name: string): string {
  const main = sourceOf(name).split('export default defineJob(')[1]!;
  return /\bdescription: (['"`])(.*?)\1,/.exec(main)![2]!.replace(/\\(.)/g, '$1');
}

describe('quiver jobs', () => {
  it('lists every job file in jobs/ with its kind and description, its params indented below', async () => {
    const r = await runCli(['jobs']);
    expect(r.status, r.stderr).toBe(0);
    const jobLines = r.stdout.split('\n').filter((l) => /^[a-z]/.test(l));
    expect(jobLines.map((l) => l.split(/\s+/)[0])).toEqual(names);
    for (const [i, name] of names.entries()) {
      expect(jobLines[i]).toMatch(/^\S+\s+(keyed|fold|driver)\s+/);
      expect(jobLines[i]!.endsWith(descriptionOf(name)), `${name}: ${jobLines[i]}`).toBe(true);
    }
    expect(r.stdout).toMatch(
      /^grep +keyed +count the lines.*\n {4}--param pattern=<string> {6}regular expression.*\(required\)\n {4}--param ignoreCase=<boolean> {2}match regardless of case \(default false\)\n/m,
    );
    expect(r.stdout).toMatch(/^ {4}--param stopwords=<list> +words left out of the index, e\.g\. the,a,of \(default none\)$/m);
    expect(r.stdout).toContain('`quiver jobs <name>`');
  });

  it("shows a job's whole header comment, with its example command, then its params", async () => {
    for (const name of ['inverted-index', 'grep']) {
      const r = await runCli(['jobs', name]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^${name} — (driver|keyed) job, jobs/${name}\\.ts$`));
      const header = headerComment(sourceOf(name))!;
      expect(r.stdout).toContain(header);
      const example = header.split('\n').find((l) => l.trimStart().startsWith(`quiver run ${name} `));
      expect(example, `${name} has an example command`).toBeDefined();
      expect(r.stdout).toContain(`\n${example}\n`);
    }
    const r = await runCli(['jobs', 'inverted-index']);
    expect(r.stdout).toMatch(
      /\nParams:\n {2}--param minLength=<integer> {2}shortest word indexed, in characters \(default 1\)\n {2}--param stopwords=<list> {5}words left out/,
    );
  });

  it('describes a job file given by path', async () => {
    const r = await runCli(['jobs', 'test/fixtures/jobs/range-sum.ts']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('range-sum-driver — driver job');
    expect(r.stdout).toContain('Sums lo..hi-1 by halving the range');
    expect(r.stdout).toMatch(/--param leaf=<integer> {2}\(default 1000\)/);
  });

  it('says which jobs exist when the name is unknown', async () => {
    const r = await runCli(['jobs', 'inverted-indx']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^quiver: usage error: unknown job "inverted-indx"; did you mean "inverted-index"\? the built-in jobs are /);
    for (const name of names) expect(r.stderr).toContain(name);
  });
});

describe('headerComment', () => {
  it('takes the first /** */ block off its markers, keeping indentation', () => {
    expect(headerComment("import x from 'y';\n/** One line. */\nconst a = 1;\n/** later */")).toBe('One line.');
    expect(headerComment('/**\n * Sums.\n *\n *   quiver run s -i x\n */')).toBe('Sums.\n\n  quiver run s -i x');
    expect(headerComment('// none')).toBeUndefined();
  });
});
