import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ENGINE_ROOT } from '../job/bundle.js';
import { loadJob } from '../job/load.js';

/** `quiver jobs`: the built-in jobs with their parameters. */
export function registerJobs(program: Command): void {
  program
    .command('jobs')
    .description('list the built-in jobs and their parameters')
    .action(async () => {
      const dir = path.join(ENGINE_ROOT, 'jobs');
      const files = (await readdir(dir)).filter((f) => f.endsWith('.ts')).sort();
      for (const f of files) {
        const { job } = await loadJob(path.join(dir, f));
        process.stdout.write(`${job.name.padEnd(20)} ${job.kind.padEnd(6)} ${job.description ?? ''}\n`);
        for (const [name, p] of Object.entries(job.params ?? {})) {
          const def = p.default === undefined ? 'required' : `default ${JSON.stringify(p.default)}`;
          process.stdout.write(`${''.padEnd(22)}--param ${name}=<${p.type}>  ${p.description ?? ''} (${def})\n`);
        }
      }
    });
}
