import { JobError } from '../errors.js';
import type { DriverJob, FoldJob, Job, KeyedJob, ParamsOf, ParamsSpec, RecursiveJob } from './types.js';
import { checkParamsSpec } from './params.js';

type KeyedSpec<V, P> = Omit<KeyedJob<V, P>, 'kind'> & { kind?: 'keyed' };
type FoldSpec<A, R, P> = Omit<FoldJob<A, R, P>, 'kind'> & { kind?: 'fold' };
type RecursiveSpec<Pb, R, P> = Omit<RecursiveJob<Pb, R, P>, 'kind'> & { kind?: 'recursive' };
type DriverSpec<P> = Omit<DriverJob<P>, 'kind'> & { kind?: 'driver' };

/** Where the module that called `defineJob` lives, so `run(job)` can hand workers a module, not a closure. */
export const JOB_SOURCE = Symbol.for('quiver.jobSource');

/** The function that tells a job's kind. */
const KIND_MARKS: Record<Job['kind'], string> = { keyed: 'map', fold: 'fold', recursive: 'conquer', driver: 'drive' };
const FUNCTIONS: Record<Job['kind'], readonly string[]> = {
  keyed: ['map', 'flush', 'combine', 'reduce', 'partition'],
  fold: ['identity', 'fold', 'merge', 'finish'],
  recursive: ['divide', 'conquer', 'combine'],
  driver: ['drive'],
};
const REQUIRED: Record<Job['kind'], readonly string[]> = {
  keyed: ['map', 'combine'],
  fold: ['identity', 'fold', 'merge'],
  recursive: ['conquer', 'combine'],
  driver: ['drive'],
};
const ALL_FUNCTIONS = [...new Set(Object.values(FUNCTIONS).flat())];
const SORTS = ['key', 'key-desc', 'value', 'value-desc', 'none'];

/**
 * Declares a job and checks it. A job with `map` is keyed (map-reduce); a job with `fold` is a fold; a
 * job with `conquer` is a recursive divide-and-conquer job; a job with `drive` is a driver that runs
 * the other jobs of its file.
 *
 * A job runs in every worker thread, each with its own copy of the job's module: a variable at module
 * level is per thread, and what a job collects there never reaches the result. Keep partial results in
 * `ctx.state` and emit them in `flush(emit, ctx)`, or write a fold; take settings from `ctx.params`
 * (`--param`), never from variables captured around the job.
 *
 * @example
 * export default defineJob({
 *   name: 'wordcount',
 *   output: { key: 'word', value: 'count' },
 *   map(batch, emit, ctx) { for (const line of ctx.strings(batch, 'line')) for (const w of line.split(' ')) if (w) emit(w, 1); },
 *   combine: (a: number, b: number) => a + b,
 * });
 */
export function defineJob<V, const S extends ParamsSpec = {}>(spec: KeyedSpec<V, ParamsOf<S>> & { params?: S }): KeyedJob<V, ParamsOf<S>>;
export function defineJob<A, R, const S extends ParamsSpec = {}>(
  spec: FoldSpec<A, R, ParamsOf<S>> & { params?: S },
): FoldJob<A, R, ParamsOf<S>>;
export function defineJob<Pb, R, const S extends ParamsSpec = {}>(
  spec: RecursiveSpec<Pb, R, ParamsOf<S>> & { params?: S },
): RecursiveJob<Pb, R, ParamsOf<S>>;
export function defineJob<const S extends ParamsSpec = {}>(spec: DriverSpec<ParamsOf<S>> & { params?: S }): DriverJob<ParamsOf<S>>;
export function defineJob(spec: Record<string, unknown>): Job {
  const job = checkJob(spec);
  const source = callerModule();
  if (source) Object.defineProperty(job, JOB_SOURCE, { value: source, enumerable: false });
  return job;
}

/** Checks that `spec` is a well-formed job and returns it with its `kind` set; throws a `JobError` saying what to fix. */
export function checkJob(spec: unknown, where = 'the job'): Job {
  if (spec === null || typeof spec !== 'object') {
    throw new JobError(`${where} must be an object passed to defineJob({...}), got ${spec === null ? 'null' : typeof spec}`);
  }
  const s = spec as Record<string, unknown>;
  const name = s.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new JobError(`${where} has no name: add \`name: 'my-job'\` to defineJob({...})`);
  }
  const label = `job "${name}"`;
  const found = (Object.keys(KIND_MARKS) as Job['kind'][]).filter((k) => s[KIND_MARKS[k]] !== undefined);
  if (found.length > 1) {
    throw new JobError(
      `${label} has ${found.length === 2 ? 'both ' : ''}${found.map((k) => `\`${KIND_MARKS[k]}\``).join(' and ')}: a job is one of ` +
        `keyed (map + combine), fold (identity + fold + merge), recursive (divide + conquer + combine) or driver (drive); split it into ` +
        `several jobs`,
    );
  }
  if (found.length === 0) {
    throw new JobError(
      `${label} has none of \`map\`, \`fold\`, \`conquer\` or \`drive\`: add \`map(batch, emit, ctx)\` and \`combine(a, b)\` for a ` +
        `keyed job, \`identity()\`, \`fold(acc, batch, ctx)\` and \`merge(a, b)\` for a fold job, \`conquer(problem, ctx)\` and ` +
        `\`combine(a, b)\` (and \`divide\`) for a recursive job, or \`drive(q)\` for a driver`,
    );
  }
  const kind = found[0]!;
  if (s.kind !== undefined && s.kind !== kind) {
    throw new JobError(`${label} says \`kind: '${String(s.kind)}'\` but has \`${KIND_MARKS[kind]}\`; remove \`kind\`, it is inferred`);
  }
  for (const fn of REQUIRED[kind]) {
    if (s[fn] === undefined) throw new JobError(`${label} is missing \`${fn}\`: ${HOW_TO[fn]}`);
  }
  for (const fn of FUNCTIONS[kind]) {
    if (s[fn] !== undefined && typeof s[fn] !== 'function') {
      throw new JobError(`${label}: \`${fn}\` must be a function, got ${typeof s[fn]}`);
    }
  }
  const wrong = ALL_FUNCTIONS.filter((fn) => !FUNCTIONS[kind].includes(fn) && s[fn] !== undefined);
  if (wrong.length > 0) {
    const owners = wrong.map((fn) => (Object.keys(FUNCTIONS) as Job['kind'][]).filter((k) => FUNCTIONS[k].includes(fn)).join('/'));
    throw new JobError(
      `${label} is a ${kind} job but also has \`${wrong.join('`, `')}\`, which only ${[...new Set(owners)].join(', ')} jobs use; remove ` +
        `${wrong.length > 1 ? 'them' : 'it'}`,
    );
  }
  for (const field of ['columns', 'dictionary'] as const)
    if ((kind === 'recursive' || kind === 'driver') && s[field] !== undefined) {
      throw new JobError(
        `${label}: \`${field}\` is for jobs that read input in splits (keyed, fold); a ${kind} job names the columns of the jobs it runs`,
      );
    }
  if (s.sort !== undefined && (kind !== 'keyed' || !SORTS.includes(s.sort as string))) {
    throw new JobError(
      `${label}: \`sort\` must be one of ${SORTS.map((x) => `'${x}'`).join(', ')} (keyed jobs only), got ${JSON.stringify(s.sort)}`,
    );
  }
  for (const field of ['columns', 'dictionary'] as const) {
    const names = s[field];
    if (names !== undefined && typeof names !== 'function' && (!Array.isArray(names) || !names.every((c) => typeof c === 'string')))
      throw new JobError(`${label}: \`${field}\` must be an array of column names, e.g. ['id1', 'v1']`);
  }
  if (s.output !== undefined && typeof s.output !== 'function') checkOutputColumns(label, s.output);
  if (s.params !== undefined) checkParamsSpec(label, s.params as ParamsSpec);
  return { ...s, kind } as Job;
}

const HOW_TO: Record<string, string> = {
  map: 'add `map(batch, emit, ctx) { ... emit(key, value) ... }`',
  combine:
    'add `combine: (a, b) => a + b` (or any associative, commutative merge of two values of one key); it runs map-side and reduce-side',
  identity: 'add `identity: () => ({ ... })` returning a fresh, empty accumulator',
  fold: 'add `fold(acc, batch, ctx) { ...; return acc; }`',
  merge: 'add `merge(a, b) { ... }` combining two accumulators (associative)',
  conquer: 'add `conquer(problem, ctx) { ... }` solving a problem too small to divide',
  drive: 'add `async drive(q) { ... }`',
};

/** Checks `output` column names; throws a JobError saying the expected shape. */
export function checkOutputColumns(label: string, output: unknown): void {
  const isNames = (x: unknown) =>
    x === undefined || typeof x === 'string' || (Array.isArray(x) && x.length > 0 && x.every((n) => typeof n === 'string'));
  const o = output as Record<string, unknown>;
  if (typeof output !== 'object' || output === null || !isNames(o.key) || !isNames(o.value)) {
    throw new JobError(`${label}: \`output\` must look like { key: 'word', value: 'count' } (names, or arrays of names)`);
  }
}

/** The file URL of the module that called defineJob, read from the stack; undefined if it cannot be told. */
function callerModule(): string | undefined {
  const stack = new Error().stack ?? '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+)(?::\d+){0,2}\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!;
    // The engine's own frames: define-job under dist/src, any file under dist/bundle (the CLI's bundle).
    if (
      file.includes('/job/define-job.') ||
      file.includes('/dist/bundle/') ||
      file.includes('node:') ||
      file.includes('/node_modules/.cache/quiver/')
    )
      continue;
    return file.startsWith('file://') ? file : `file://${file}`;
  }
  return undefined;
}
