import type { RunReport } from '../coordinator/report-types.js';
import os from 'node:os';
import type { Table } from 'apache-arrow';
import { Engine } from '../coordinator/engine.js';
import type { RunOptions } from '../coordinator/run-options.js';
import { runSequential } from '../coordinator/sequential.js';
import { ResultMismatchError, UsageError } from '../errors.js';
import type { Job, ParamValue } from '../job/types.js';
import { compareTables, describeDifference } from './compare-tables.js';
import { sampleOfRun, sampleOfSequential, type RunSample } from './sample.js';
import { defaultWorkerCounts, normalizeWorkerCounts } from './worker-counts.js';

/** Options of a speedup sweep: the run options (without output), and what to sweep. */
export interface SweepOptions extends Omit<RunOptions, 'output' | 'outputFormat' | 'overwrite' | 'onProgress'> {
  /** Worker counts to measure; 1 is always added. @default 1, 2, 4, … up to the cores, plus the core count */
  workers?: number[];
  /** Timed runs per worker count. @default 5 */
  repeat?: number;
  /** Untimed runs before them, on the same engine (thread start-up, JIT, page cache). @default 1 */
  warmup?: number;
  /** Also time the sequential baseline T_seq (no worker threads). @default true */
  sequential?: boolean;
  /** Heap limit of each worker. @default Node's default */
  workerMemory?: number | string;
  /** Called before each run. */
  onProgress?: (p: SweepProgress) => void;
}

/** Where a sweep is. */
export interface SweepProgress {
  /** `sequential` or the worker count. */
  setting: 'sequential' | number;
  /** 1-based run within the setting, counting warm-ups. */
  run: number;
  runsPerSetting: number;
  warmup: boolean;
  /** Runs finished so far, and in all. */
  done: number;
  total: number;
  /** Estimated time left, once a run has finished. */
  etaMs?: number;
}

/** The raw measurements of a sweep. */
export interface Sweep {
  job: { name: string; file: string; kind: RunReport['kind']; params: Record<string, ParamValue> };
  input: { paths: string[]; files: number; bytes: number; rows: number };
  startedAt: Date;
  /** `os.loadavg()` before the first run. */
  loadBefore: number[];
  cores: number;
  workers: number[];
  /** True when 1 was not asked for and was added. */
  addedOne: boolean;
  repeat: number;
  warmup: number;
  sequential: RunSample[] | null;
  points: Array<{ workers: number; samples: RunSample[] }>;
}

type Setting = 'sequential' | number;
const labelOf = (s: Setting) => (s === 'sequential' ? 'T_seq, the sequential baseline' : `${s} worker${s === 1 ? '' : 's'}`);

/**
 * Runs a job at each worker count — a fresh engine per count, `warmup` untimed runs then `repeat`
 * timed ones — and the sequential baseline, and checks that every run gives the same result as the
 * first: a speedup of a wrong answer is worthless.
 *
 * @example
 * const sweep = await runSweep('wordcount', { input: 'corpus.txt', workers: [1, 2, 4], repeat: 3 });
 */
export async function runSweep(job: string | URL | Job, options: SweepOptions): Promise<Sweep> {
  const repeat = options.repeat ?? 5;
  const warmup = options.warmup ?? 1;
  if (!Number.isSafeInteger(repeat) || repeat < 1) throw new UsageError(`--repeat must be a positive integer, got ${repeat}`);
  if (!Number.isSafeInteger(warmup) || warmup < 0) throw new UsageError(`--warmup must be 0 or a positive integer, got ${warmup}`);
  const { counts, addedOne } = normalizeWorkerCounts(options.workers ?? defaultWorkerCounts());
  const { workers: _w, repeat: _r, warmup: _u, sequential: withSequential = true, workerMemory, onProgress, ...runOptions } = options;
  const settings: Setting[] = [...(withSequential ? (['sequential'] as const) : []), ...counts];
  const perSetting = warmup + repeat;
  const total = settings.length * perSetting;
  const loadBefore = os.loadavg();
  const startedAt = new Date();

  let done = 0;
  let lastSettingMs: number[] = [];
  let reference: { table: Table; label: string } | undefined;
  const check = (table: Table, label: string) => {
    if (!reference) {
      reference = { table, label };
      return;
    }
    const c = compareTables(reference.table, table);
    if (c.state === 'different') {
      throw new ResultMismatchError(
        `the result of ${label} differs from the result of ${reference.label}: ${describeDifference(c)}. ` +
          'A speedup of a wrong answer is worthless. A job must give the same answer however its input is split and however many ' +
          'workers run it: ' +
          'check that combine (or merge) is associative and commutative, and that map, reduce and finish do not depend on ctx.split or ' +
          'on state kept between calls.',
      );
    }
  };

  let info: Pick<Sweep, 'job' | 'input'> | undefined;
  const sequential: RunSample[] = [];
  const points: Sweep['points'] = [];
  for (const setting of settings) {
    const engine = setting === 'sequential' ? undefined : new Engine({ workers: setting, workerMemory });
    const samples: RunSample[] = [];
    const durations: number[] = [];
    try {
      for (let run = 1; run <= perSetting; run++) {
        const isWarmup = run <= warmup;
        const left = total - done;
        const perRun = durations.length ? mean(durations) : lastSettingMs.length ? mean(lastSettingMs) : undefined;
        onProgress?.({
          setting,
          run,
          runsPerSetting: perSetting,
          warmup: isWarmup,
          done,
          total,
          etaMs: perRun === undefined ? undefined : perRun * left,
        });
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        const label = `${labelOf(setting)}${perSetting > 1 ? ` (run ${run} of ${perSetting}${isWarmup ? ', a warm-up' : ''})` : ''}`;
        if (engine) {
          const { table, report } = await engine.run(job, runOptions);
          const wallMs = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          check(table, label);
          if (!isWarmup) samples.push(sampleOfRun(report, wallMs, (cpu.user + cpu.system) / 1000));
          info ??= {
            job: { name: report.job, file: report.jobFile, kind: report.kind, params: paramsOf(runOptions) },
            input: inputOf(runOptions, report.input),
          };
        } else {
          const { table, report } = await runSequential(job, runOptions);
          const wallMs = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          check(table, label);
          if (!isWarmup) samples.push(sampleOfSequential(report, wallMs, (cpu.user + cpu.system) / 1000));
          info ??= {
            job: { name: report.job, file: report.jobFile, kind: report.kind, params: paramsOf(runOptions) },
            input: inputOf(runOptions, report.input),
          };
        }
        durations.push(performance.now() - t0);
        done++;
      }
    } finally {
      await engine?.close();
    }
    lastSettingMs = durations;
    if (setting === 'sequential') sequential.push(...samples);
    else points.push({ workers: setting, samples });
  }
  return {
    ...info!,
    startedAt,
    loadBefore,
    cores: os.availableParallelism(),
    workers: counts,
    addedOne,
    repeat,
    warmup,
    sequential: withSequential ? sequential : null,
    points,
  };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function paramsOf(o: RunOptions): Record<string, ParamValue> {
  return (o.params ?? {}) as Record<string, ParamValue>;
}

function inputOf(o: RunOptions, i: { files: number; bytes: number; rows: number }): Sweep['input'] {
  const paths = o.table ? ['<table>'] : o.input === undefined ? [] : Array.isArray(o.input) ? o.input : [o.input];
  return { paths, files: i.files, bytes: i.bytes, rows: i.rows };
}
