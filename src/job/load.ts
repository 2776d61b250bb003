import { JobError, describeError } from '../errors.js';
import { bundleJob, type JobBundle } from './bundle.js';
import { checkJob } from './define-job.js';
import type { Job } from './types.js';

/** A job ready to run: the checked job object (in this thread) and its bundle (for workers). */
export interface LoadedJob extends JobBundle {
  job: Job;
  /** The job's name when it is a named export of the bundle (a driver's step); workers pick it by name. */
  jobName?: string;
}

/** Bundles a job file and imports it here, checking that it default-exports a job. */
export async function loadJob(spec: string): Promise<LoadedJob> {
  const bundle = await bundleJob(spec);
  let mod: { default?: unknown };
  try {
    mod = (await import(bundle.url)) as { default?: unknown };
  } catch (e) {
    throw new JobError(`job ${bundle.file} throws when it is imported: ${describeError(e)}`, { cause: e });
  }
  if (mod.default === undefined) {
    throw new JobError(`${bundle.file} has no default export; end it with \`export default defineJob({ ... })\``);
  }
  return { ...bundle, job: checkJob(mod.default, bundle.file) };
}
