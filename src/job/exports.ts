import { JobError } from '../errors.js';

/**
 * The job named `name` among a job module's exports (default or named). A driver runs the other jobs
 * of its file by handing workers the same bundle and the job's name.
 */
export function exportedJob(mod: Record<string, unknown>, name: string, file: string): unknown {
  const jobs = Object.values(mod).filter(
    (v): v is { name: string; kind: string } =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { kind?: unknown }).kind === 'string' &&
      typeof (v as { name?: unknown }).name === 'string',
  );
  const found = jobs.find((j) => j.name === name);
  if (!found) {
    throw new JobError(
      `${file} exports no job named "${name}" (it exports ${jobs.map((j) => `"${j.name}"`).join(', ') || 'none'}); a driver can run ` +
        `only jobs its own file exports: \`export const step = defineJob({ name: '${name}', ... })\``,
    );
  }
  return found;
}
