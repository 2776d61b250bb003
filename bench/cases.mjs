// The macro-benchmark cases: a built-in job with its params, the input it reads, and the hand-written
// baseline that computes the same answer. core.mjs and profile.mjs use this list
// (peers.mjs has its own: bench/peers-queries.mjs).
import { q1 } from './baselines/q1.mjs';
import { q2 } from './baselines/q2.mjs';
import { q3 } from './baselines/q3.mjs';
import { wordcount } from './baselines/wordcount.mjs';

/**
 * `input` names a file of dataFiles(): `text` (in-process), `cliText` (CLI timings) or `groupby`.
 * `params` are the job's params as the library takes them; `cliParams` the same as `-p` flags.
 */
export const CASES = [
  {
    name: 'wordcount',
    title: 'word count',
    job: 'wordcount',
    input: 'text',
    cliInput: 'cliText',
    params: {},
    baseline: wordcount,
    script: 'wordcount.mjs',
  },
  {
    name: 'q1',
    title: 'Q1 sum v1 by id1',
    job: 'groupby',
    input: 'groupby',
    cliInput: 'groupby',
    params: { by: 'id1', agg: 'sum:v1' },
    baseline: q1,
    script: 'q1.mjs',
  },
  {
    name: 'q2',
    title: 'Q2 sum v3, count by id6',
    job: 'groupby',
    input: 'groupby',
    cliInput: 'groupby',
    params: { by: 'id6', agg: 'sum:v3,count' },
    baseline: q2,
    script: 'q2.mjs',
  },
  {
    name: 'q3',
    title: 'Q3 sum v1, mean v3 by id3',
    job: 'groupby',
    input: 'groupby',
    cliInput: 'groupby',
    params: { by: 'id3', agg: 'sum:v1,mean:v3' },
    baseline: q3,
    script: 'q3.mjs',
  },
];

/** `-p name=value` flags for a case's params. */
export function paramFlags(c) {
  return Object.entries(c.params).flatMap(([k, v]) => ['-p', `${k}=${v}`]);
}

/** The cases named by `--cases wordcount,q2`, or all. */
export function selectedCases(argv = process.argv) {
  const i = argv.indexOf('--cases');
  if (i < 0) return CASES;
  const names = argv[i + 1].split(',');
  const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length) throw new Error(`--cases: unknown case(s) ${unknown.join(', ')}; use ${CASES.map((c) => c.name).join(', ')}`);
  return CASES.filter((c) => names.includes(c.name));
}
