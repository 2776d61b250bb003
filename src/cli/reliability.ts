import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { parseSize } from '../util/size.js';
import { positiveInt } from './options.js';

/** Flags that say how a run copes with failures, limits and long waits. */
export interface ReliabilityFlags {
  maxAttempts?: number;
  retryUserErrors?: boolean;
  timeout?: string;
  workerMemory?: string;
  stallTimeout?: string;
  memory?: string;
  progress?: string;
  maxBadRecords?: string;
  badRecordsFile?: string;
}

/** The flags checked and parsed. */
export interface Reliability {
  maxAttempts?: number;
  retryUserErrors?: boolean;
  timeoutMs?: number;
  workerMemory?: number;
  stallTimeoutMs?: number;
  memory?: number;
  progress?: 'bar' | 'json' | 'none';
  maxBadRecords?: number | `${number}%`;
  badRecordsFile?: string;
}

/** Adds the reliability flags to a command that runs jobs. */
export function addReliabilityOptions(cmd: Command): Command {
  return cmd
    .option('--max-attempts <n>', 'attempts per task when its worker dies (default: 3)', positiveInt('--max-attempts'))
    .option('--retry-user-errors', 'also retry a task whose job code threw (default: a throw fails the run at once)')
    .option('--timeout <duration>', 'cancel the run after this long, e.g. 90s, 30m, 2h')
    .option('--worker-memory <size>', "heap limit of each worker, e.g. 512mb, 2g (default: V8's)")
    .option(...STALL_TIMEOUT_OPTION)
    .option('--memory <size>', 'shuffle data held in memory before it spills to a temp folder (default: a quarter of free memory)')
    .option('--progress <mode>', 'bar (on a terminal), json (lines on stderr) or none (default: bar when stderr is a terminal)')
    .option('--max-bad-records <n>', 'skip up to n malformed records (or n% of records) instead of failing at the first')
    .option('--bad-records-file <file>', 'write examples of skipped records here (NDJSON), with --max-bad-records');
}

/** Checks every reliability flag before any work starts; errors name the flag and the fix. */
export function reliabilityFromFlags(o: ReliabilityFlags): Reliability {
  const out: Reliability = { maxAttempts: o.maxAttempts, retryUserErrors: o.retryUserErrors };
  if (o.timeout !== undefined) out.timeoutMs = parseDuration(o.timeout, '--timeout');
  if (o.workerMemory !== undefined) {
    out.workerMemory = parseSize(o.workerMemory, '--worker-memory');
    if (out.workerMemory < 16 * 2 ** 20)
      throw new UsageError(`--worker-memory must be at least 16mb (a worker needs that to start), got "${o.workerMemory}"`);
  }
  if (o.stallTimeout !== undefined) out.stallTimeoutMs = parseStallTimeout(o.stallTimeout);
  if (o.memory !== undefined) out.memory = parseSize(o.memory, '--memory');
  if (o.progress !== undefined) {
    if (o.progress !== 'bar' && o.progress !== 'json' && o.progress !== 'none')
      throw new UsageError(`--progress must be bar, json or none, got "${o.progress}"`);
    out.progress = o.progress;
  }
  if (o.maxBadRecords !== undefined) out.maxBadRecords = parseBadRecordLimit(o.maxBadRecords);
  if (o.badRecordsFile !== undefined) {
    if (o.maxBadRecords === undefined)
      throw new UsageError('--bad-records-file needs --max-bad-records: without it the first bad record stops the run');
    checkFolderOf('--bad-records-file', o.badRecordsFile);
    out.badRecordsFile = o.badRecordsFile;
  }
  return out;
}

/** `--stall-timeout`, for every command that runs tasks on workers (run, convert). */
export const STALL_TIMEOUT_OPTION = [
  '--stall-timeout <duration>',
  'fail a task whose input reader hands it no batch for this long (a corrupt file whose decoder never returns, a stuck filesystem), ' +
    'e.g. 30s, 5m, or off (default: 120s)',
] as const;

/** Parses `--stall-timeout`: a duration (a bare number is seconds), or `off` for no limit. Milliseconds. */
export function parseStallTimeout(text: string): number {
  return text.trim().toLowerCase() === 'off' ? Infinity : parseDuration(text, '--stall-timeout');
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses `90s`, `30m`, `1.5h`, `500ms` (a bare number is seconds) into milliseconds. */
export function parseDuration(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? (m[2] === '' ? 1000 : DURATION_UNITS[m[2]!.toLowerCase()]) : undefined;
  const ms = m && unit ? Number(m[1]) * unit : NaN;
  if (!(ms >= 1) || !Number.isFinite(ms) || ms > 2 ** 31 - 1)
    throw new UsageError(`${option} must be a duration such as 90s, 30m or 2h, got "${text}"`);
  return Math.round(ms);
}

/** Parses `--max-bad-records`: a count (`100`) or a percentage of the records read (`0.5%`). */
export function parseBadRecordLimit(text: string): number | `${number}%` {
  const t = text.trim();
  if (/^\d+$/.test(t) && Number.isSafeInteger(Number(t))) return Number(t);
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct && Number(pct[1]) <= 100) return `${Number(pct[1])}%`;
  throw new UsageError(`--max-bad-records must be a count such as 100 or a percentage such as 0.5%, got "${text}"`);
}

/** Checks that a file can be created: its folder exists. */
export function checkFolderOf(option: string, file: string): void {
  const dir = path.dirname(path.resolve(file));
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!ok) throw new UsageError(`${option} ${file}: folder ${dir} does not exist; create it first`);
}
