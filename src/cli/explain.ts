import path from 'node:path';
import type { Command } from 'commander';
import { defaultWorkers } from '../executor/pool.js';
import { UsageError } from '../errors.js';
import { loadJob } from '../job/load.js';
import { resolveParams } from '../job/params.js';
import { makePlan } from '../planner/plan.js';
import { formatSize, parseSize } from '../util/size.js';
import { describeSplit } from '../planner/split.js';
import { addInputOptions, runOptionsFromFlags, warnOversubscribed } from './run.js';
import { checkColumns, describeSchema, inputSchemas } from '../planner/input-schemas.js';
import { columnsOf } from '../coordinator/run-steps.js';

/** `quiver explain <job>`: the plan, without running anything. */
export function registerExplain(program: Command): void {
  addInputOptions(
    program
      .command('explain')
      .argument('<job>', 'job file or built-in job name')
      .description('print the plan: splits, tasks per worker, partitions'),
  )
    .option('--all', 'list every split')
    .action(async (jobSpec: string, flags: Parameters<typeof runOptionsFromFlags>[0] & { all?: boolean }) => {
      const o = runOptionsFromFlags(flags);
      warnOversubscribed(o.workers);
      const { job, file } = await loadJob(jobSpec);
      const params = resolveParams(job.name, job.params, o.params ?? {});
      const workers = o.workers ?? defaultWorkers();
      // A driver given an input: its steps plan that input, so show that plan (groupby, sort and join are drivers).
      if (job.kind === 'recursive' || (job.kind === 'driver' && !o.input?.length)) {
        const steps =
          job.kind === 'driver'
            ? 'its drive(q) decides which jobs run, and each step plans its own input (as below for a keyed or fold job)'
            : 'it runs from a driver (q.forkJoin), one task per problem';
        process.stdout.write(`job       ${job.name} (${job.kind}) from ${path.relative(process.cwd(), file)}\nplan      ${steps}\n`);
        return;
      }
      if (!o.input?.length) throw new UsageError(`no input: pass --input <file, directory or glob> to see how ${job.name} would split it`);
      const plan = await makePlan({
        inputs: o.input as string[],
        format: o.format,
        workers,
        reducers: o.reducers,
        splitBytes: o.splitSize === undefined ? undefined : parseSize(o.splitSize),
        batchRows: o.batchRows,
        formatOptions: o.formatOptions,
      });
      const out: string[] = [];
      out.push(`job       ${job.name} (${job.kind}) from ${path.relative(process.cwd(), file)}`);
      if (Object.keys(params).length)
        out.push(
          `params    ${Object.entries(params)
            .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
            .join(' ')}`,
        );
      out.push(
        `input     ${plan.files.length} file(s), ` +
          `${formatSize(plan.totalBytes)}${plan.totalRows !== undefined ? `, ${plan.totalRows.toLocaleString('en-US')} rows` : ''}`,
      );
      for (const f of plan.files) {
        out.push(`  ${f.path}  ${f.format}  ${formatSize(f.bytes)}${rowsOf(f)}  → ${f.splits} split(s)${f.note ? `  (${f.note})` : ''}`);
      }
      // The columns and types each file gives the job (files with the same schema shown once), and which the job reads.
      // A driver's steps name their own columns when they run; only --columns is known here.
      const columns = job.kind === 'driver' ? o.columns : columnsOf(job, params, o.columns);
      const schemas = await inputSchemas(plan);
      checkColumns(columns, schemas, o.columns ? '--columns' : `job "${job.name}"`);
      const bySchema = new Map<string, string[]>();
      for (const { file: f, schema } of schemas) {
        const lines = describeSchema(schema).map((l, i) => (columns?.includes(schema.fields[i]!.name) ? `${l}  (read)` : l));
        const key = lines.join('\n');
        bySchema.set(key, [...(bySchema.get(key) ?? []), f]);
      }
      for (const [lines, files] of bySchema) {
        const kind = plan.files.find((f) => f.path === files[0])?.format;
        const how = kind === 'csv' || kind === 'ndjson' ? ', types inferred from a sample unless given with --column/--schema' : '';
        out.push(
          `columns   of ${files.length === plan.files.length && files.length > 1 ? 'every file' : files.join(', ')}${how}` +
            `${columns ? '; (read) marks the ones the job reads' : ''}`,
        );
        for (const l of lines.split('\n')) out.push(`  ${l}`);
      }
      const size =
        `${plan.guided ? 'at most' : 'about'} ${formatSize(plan.splitBytes)}${flags.batchRows ? ` / ${plan.batchRows} rows` : ''}` +
        `${plan.guided ? ', the last ones smaller so that workers finish together' : ''}`;
      out.push(`splits    ${plan.splits.length} of ${size}; batches of at most ${plan.batchRows.toLocaleString('en-US')} rows`);
      out.push(`workers   ${workers} → ${(plan.splits.length / workers).toFixed(1)} tasks per worker`);
      if (job.kind === 'driver')
        out.push('steps     its drive(q) decides which jobs run; each keyed or fold step over this input splits it as above');
      else
        out.push(
          job.kind === 'keyed'
            ? `reduce    ${plan.reducers} partition(s), hash of the key`
            : 'merge     fold partials merged pairwise as a tree',
        );
      const shown = flags.all ? plan.splits : plan.splits.slice(0, 10);
      for (const s of shown) out.push(`  ${describeSplit(s, plan.splits.length)}  (${formatSize(s.bytes)})`);
      if (shown.length < plan.splits.length) out.push(`  … ${plan.splits.length - shown.length} more (--all to list them)`);
      process.stdout.write(out.join('\n') + '\n');
    });
}

/** A planned file's rows for explain: exact, estimated from a sample, or nothing. */
function rowsOf(f: { rows?: number; estimatedRows?: number }): string {
  if (f.rows !== undefined) return `  ${f.rows.toLocaleString('en-US')} rows`;
  return f.estimatedRows !== undefined ? `  ~${f.estimatedRows.toLocaleString('en-US')} rows (estimated)` : '';
}
