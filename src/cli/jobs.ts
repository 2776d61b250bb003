import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { describeError } from '../errors.js';
import { builtinJobNames, resolveJobFile } from '../job/bundle.js';
import { ENGINE_ROOT } from '../layout.js';
import { loadJob } from '../job/load.js';
import type { Job, ParamSpec } from '../job/types.js';

const JOBS_DIR = path.join(ENGINE_ROOT, 'jobs');

/** `quiver jobs [name]`: the built-in jobs with their params, or one job's header comment and params. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .argument('[name]', 'a built-in job (or the path of a job file) to describe')
    .description('list the built-in jobs and their params, or describe one job: what it computes, an example, its params')
    .action(async (name?: string) => {
      process.stdout.write(name === undefined ? await jobList() : await jobDescription(name));
    });
}

/** One line per job (name, kind, description) and its params indented below. Jobs load in parallel. */
async function jobList(): Promise<string> {
  const names = builtinJobNames();
  const loaded = await Promise.allSettled(names.map((n) => loadJob(path.join(JOBS_DIR, `${n}.ts`))));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const out: string[] = [];
  loaded.forEach((r, i) => {
    if (r.status === 'rejected') {
      out.push(`${names[i]!.padEnd(width)}${'?'.padEnd(8)}does not load: ${describeError(r.reason)}`);
      return;
    }
    const job = r.value.job;
    out.push(`${names[i]!.padEnd(width)}${job.kind.padEnd(8)}${job.description ?? ''}`.trimEnd());
    out.push(...paramLines(job, '    '));
  });
  out.push('', '`quiver jobs <name>` shows what a job computes, an example command and its params.');
  return out.join('\n') + '\n';
}

/** A job's header comment, then its params. `spec` is a built-in job name or a job file. */
async function jobDescription(spec: string): Promise<string> {
  const file = resolveJobFile(spec);
  const [{ job }, source] = await Promise.all([loadJob(file), readFile(file, 'utf8')]);
  const header = headerComment(source);
  const out = [`${job.name} — ${job.kind} job, ${path.relative(process.cwd(), file) || file}`, ''];
  out.push(header ?? `${job.description ?? '(no description)'}\n(${path.basename(file)} has no /** … */ header comment)`, '');
  const params = paramLines(job, '  ');
  out.push(params.length ? 'Params:' : 'Params: none', ...params);
  return out.join('\n') + '\n';
}

/** `--param name=<type>  description (default …)`, the names padded to one width. */
function paramLines(job: Job, indent: string): string[] {
  const entries = Object.entries(job.params ?? {});
  const usage = entries.map(([name, p]) => `--param ${name}=<${p.type}>`);
  const width = Math.max(0, ...usage.map((u) => u.length)) + 2;
  return entries.map(([, p], i) => `${indent}${usage[i]!.padEnd(width)}${p.description ? `${p.description} ` : ''}(${defaultText(p)})`);
}

/** How a param's default reads on the command line: lists comma-separated, strings as typed. */
function defaultText(p: ParamSpec): string {
  const v = p.default;
  if (v === undefined) return 'required';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.length ? `default ${v.join(',')}` : 'default none';
  return `default ${typeof v === 'string' && v !== '' ? v : JSON.stringify(v)}`;
}

/**
 * The first `/** … *\/` block of a job file with its comment markers taken off: the header that says
 * what the job computes, its params and an example command. Indentation inside it is kept.
 */
export function headerComment(source: string): string | undefined {
  const m = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (!m) return undefined;
  const lines = m[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd());
  lines[0] = lines[0]!.trimStart(); // the text after `/**` on its line
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}
