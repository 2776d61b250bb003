import { createRequire } from 'node:module';
import type cliProgressModule from 'cli-progress';
import type { RunProgress } from '../coordinator/progress.js';
import { formatSize } from '../util/size.js';

/** How the CLI shows progress: a bar on a terminal, JSON lines for programs, or nothing. */
export type ProgressMode = 'bar' | 'json' | 'none';

/** Shows a run's progress; `stop` before printing anything else to stderr. */
export interface ProgressView {
  onProgress(p: RunProgress): void;
  stop(): void;
}

/** Lines per second at most in JSON mode (phase changes and the last event always print). */
const JSON_INTERVAL_MS = 250;

/** Picks the mode: `--progress` if given, else a bar when stderr is a terminal and not `--quiet`. */
export function progressMode(flag: string | undefined, quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (flag === 'json' || flag === 'bar' || flag === 'none') return flag === 'bar' && !stream.isTTY ? 'none' : flag;
  return !quiet && stream.isTTY ? 'bar' : 'none';
}

/** Makes the view for a mode, writing to `stream` (stderr: stdout carries the result). */
export function makeProgressView(mode: ProgressMode, stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (mode === 'json') return jsonView(stream);
  if (mode === 'bar') return barView(stream);
  return { onProgress() {}, stop() {} };
}

function rates(p: RunProgress) {
  const seconds = p.elapsedMs / 1000;
  const rowsPerSecond = seconds > 0 ? p.rowsDone / seconds : 0;
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0;
  const etaMs = p.phase === 'map' && fraction > 0 && fraction < 1 ? (p.elapsedMs * (1 - fraction)) / fraction : undefined;
  return { rowsPerSecond, etaMs };
}

function jsonView(stream: NodeJS.WriteStream): ProgressView {
  let last = 0;
  let lastPhase = '';
  let pending: RunProgress | undefined;
  const write = (p: RunProgress) => {
    const { rowsPerSecond, etaMs } = rates(p);
    stream.write(
      JSON.stringify({
        type: 'progress',
        ...p,
        elapsedMs: Math.round(p.elapsedMs),
        rowsPerSecond: Math.round(rowsPerSecond),
        etaMs: etaMs === undefined ? null : Math.round(etaMs),
      }) + '\n',
    );
    last = p.elapsedMs;
    lastPhase = p.phase;
    pending = undefined;
  };
  // A change held back by the rate limit is written when the interval ends, even if nothing else happens.
  let timer: NodeJS.Timeout | undefined;
  const flushLater = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      if (pending) write(pending);
    }, JSON_INTERVAL_MS);
    timer.unref();
  };
  return {
    onProgress(p) {
      if (p.phase !== lastPhase || p.elapsedMs - last >= JSON_INTERVAL_MS || (p.tasksTotal > 0 && p.tasksDone === p.tasksTotal)) write(p);
      else {
        pending = p;
        flushLater();
      }
    },
    stop() {
      if (timer) clearTimeout(timer);
      if (pending) write(pending);
    },
  };
}

/**
 * cli-progress, loaded when a bar is shown: a quiet run or one whose stderr is not a terminal does not
 * pay its ~9 ms of loading (and node:readline's) before its first task.
 */
const loadCliProgress = (): typeof cliProgressModule => createRequire(import.meta.url)('cli-progress') as typeof cliProgressModule;

function barView(stream: NodeJS.WriteStream): ProgressView {
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    {
      stream,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      format: '{phase} |{bar}| {percentage}% | {tasks} tasks | {bytes} | {rate} rows/s | ETA {etaText} | {busy} busy',
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onProgress(p) {
      // Writing and done have no tasks to count: the bar keeps its last state until `stop` clears it.
      if (p.phase === 'write' || p.phase === 'done') return;
      const { rowsPerSecond, etaMs } = rates(p);
      const byBytes = p.phase === 'map' && p.bytesTotal > 0;
      const payload = {
        phase: p.phase.padEnd(6),
        tasks: `${p.tasksDone}/${p.tasksTotal}`,
        bytes: `${formatSize(p.bytesDone)}/${formatSize(p.bytesTotal)}`,
        rate: Math.round(rowsPerSecond).toLocaleString('en-US'),
        etaText: etaMs === undefined ? '–' : formatEta(etaMs),
        busy: `${p.workersBusy}/${p.workers}`,
      };
      const total = byBytes ? p.bytesTotal : Math.max(1, p.tasksTotal);
      const value = byBytes ? p.bytesDone : p.tasksDone;
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(value, payload);
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function formatEta(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
