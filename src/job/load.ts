import { existsSync } from 'node:fs';
import { JobError, describeError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { bundleJob, type JobBundle } from './bundle.js';
import { checkJob } from './define-job.js';
import type { Job } from './types.js';

/** A job ready to run: the checked job object (in this thread) and its bundle (for workers). */
export interface LoadedJob extends JobBundle {
  job: Job;
  /** The job's name when it is a named export of the bundle (a driver's step); workers pick it by name. */
  jobName?: string;
}

/**
 * A job argument taken apart: `jobs/hours.ts#byHour` names the export `byHour` of that file, anything
 * else the file's default export. A path that exists as written is a file, even with a `#` in it.
 */
export function jobSpecParts(spec: string): { file: string; exportName?: string } {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || existsSync(spec)) return { file: spec };
  return { file: spec.slice(0, hash), exportName: spec.slice(hash + 1) };
}

/**
 * Bundles a job file and imports it here, checking that it exports a job: by default its default
 * export, or the named export of `file.ts#name`.
 */
export async function loadJob(spec: string): Promise<LoadedJob> {
  const { file, exportName } = jobSpecParts(spec);
  const bundle = await bundleJob(file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(bundle.url)) as Record<string, unknown>;
  } catch (e) {
    throw new JobError(`job ${bundle.file} throws when it is imported: ${describeError(e)}`, { cause: e });
  }
  if (exportName !== undefined) {
    const named = mod[exportName];
    if (named === undefined) {
      const jobs = Object.keys(mod).filter((k) => k !== 'default' && typeof (mod[k] as { kind?: unknown } | null)?.kind === 'string');
      throw new JobError(
        `${bundle.file} has no export named "${exportName}"${didYouMean(exportName, jobs)} (its job exports: ` +
          `${jobs.join(', ') || 'none besides the default'}); run \`${file}#<export>\` with one of them`,
      );
    }
    const job = checkJob(named, bundle.file);
    // Workers pick a job that is not the default export by its name (exportedJob).
    return { ...bundle, job, jobName: job.name };
  }
  if (mod.default === undefined) {
    throw new JobError(
      `${bundle.file} has no default export; end it with \`export default defineJob({ ... })\`, or run one of its named exports as ` +
        `\`${file}#<export>\``,
    );
  }
  return { ...bundle, job: checkJob(mod.default, bundle.file) };
}
