import { formatSize } from '../util/size.js';
import { PHASE_LABELS, PHASES } from './phases.js';
import type { SettingResult, SpeedupReport } from './report.js';

/** Milliseconds for people: `812 ms`, `1.31 s`. */
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

const fixed = (digits: number) => (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(digits));
const f2 = fixed(2);
const f3 = fixed(3);
const pct = (x: number) => `${Math.round(100 * x)}%`;

/** Text table: the first column left-aligned, the others right-aligned. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Header and rows of cells, for a text or an HTML table. */
export interface Cells {
  header: string[];
  rows: string[][];
}

/** The scaling table: T(p), spread, S(p), S against T_seq, efficiency, Karp–Flatt, the Amdahl curve. */
export function scalingCells(r: SpeedupReport): Cells {
  const rows: string[][] = [];
  if (r.sequential)
    rows.push(['sequential', formatMs(r.sequential.wallMs.median), pct(r.sequential.wallMs.spread), '—', '1.00', '—', '—', '—']);
  for (const p of r.points) {
    rows.push([
      `${p.workers}${p.oversubscribed ? ' (over)' : ''}`,
      formatMs(p.wallMs.median),
      pct(p.wallMs.spread),
      f2(p.speedup),
      f2(p.speedupVsSequential),
      f2(p.efficiency),
      f3(p.karpFlatt),
      f2(p.amdahlSpeedup),
    ]);
  }
  return { header: ['workers', 'T (median)', 'spread', 'S(p)', 'S vs T_seq', 'efficiency', 'Karp–Flatt e', 'Amdahl fit'], rows };
}

/** Where the time went in each setting's median run (ms), with load balance, tasks and bytes moved. */
export function phaseCells(r: SpeedupReport): Cells {
  const settings: Array<[string, SettingResult]> = [
    ...(r.sequential ? [['sequential', r.sequential] as [string, SettingResult]] : []),
    ...r.points.map((p) => [String(p.workers), p] as [string, SettingResult]),
  ];
  const rows = settings.map(([label, s]) => [
    label,
    ...PHASES.map((k) => s.phases[k].toFixed(s.phases[k] < 10 ? 1 : 0)),
    `${s.phaseSumMs.toFixed(0)} / ${s.medianRunWallMs.toFixed(0)}`,
    s.loadBalance ? f2(s.loadBalance.imbalance) : '—',
    s.loadBalance ? s.loadBalance.waitForSlowestMs.toFixed(0) : '—',
    `${s.tasks.map}+${s.tasks.reduce}`,
    formatSize(s.bytesMoved),
  ]);
  return { header: ['workers', ...PHASES.map((k) => PHASE_LABELS[k]), 'sum / wall', 'imbalance', 'wait', 'tasks', 'moved'], rows };
}

/** Amdahl's predictions at more cores than measured. */
export function predictionCells(r: SpeedupReport): Cells | undefined {
  if (!r.amdahl) return undefined;
  return {
    header: ['cores', 'predicted S', 'predicted efficiency'],
    rows: r.amdahl.predictions.map((q) => [String(q.cores), q.speedup.toFixed(1), pct(q.efficiency)]),
  };
}

/** Line about the cost of the worker threads: T(1) against T_seq. */
export function overheadLine(r: SpeedupReport): string | undefined {
  if (!r.sequential) return undefined;
  const o = r.sequential.t1OverSequential;
  return (
    `T(1) ÷ T_seq = ${o.toFixed(2)}: one worker thread ` +
    `${o >= 1 ? `costs ${pct(o - 1)} more than` : `is ${pct(1 - o)} faster than`} running the same plan in the main thread.`
  );
}

/** Line about the Amdahl fit. */
export function amdahlLine(r: SpeedupReport): string | undefined {
  const a = r.amdahl;
  if (!a) return undefined;
  return (
    `Amdahl fit: serial fraction f = ${a.serialFraction.toFixed(3)} (from ${a.points} point${a.points === 1 ? '' : 's'} with p > ` +
    `1; rmse ${a.rmse.toFixed(3)}).`
  );
}

/** One line saying what the sweep measured. */
export function headline(r: SpeedupReport): string {
  const warmup = r.settings.warmup ? ` after ${r.settings.warmup} warm-up${r.settings.warmup === 1 ? '' : 's'}` : '';
  const runs = `median of ${r.settings.repeat} run${r.settings.repeat === 1 ? '' : 's'}${warmup}`;
  return (
    `${r.job.name} — ${r.input.rows.toLocaleString('en-US')} rows, ${formatSize(r.input.bytes)} in ${r.input.files} ` +
    `file${r.input.files === 1 ? '' : 's'}; ${r.machine.cores} cores; ${runs}`
  );
}

/** What the phase table's columns mean. */
export const PHASE_NOTE =
  'ms, median run; wait = how long the first idle worker waited for the slowest; tasks = map+reduce; moved = bytes between threads';

/** The whole terminal report. */
export function formatSpeedupReport(r: SpeedupReport): string {
  const table = (c: Cells) => textTable(c.header, c.rows);
  const lines = [
    `quiver speedup: ${headline(r)}`,
    '',
    table(scalingCells(r)),
    '',
    `where the time went (${PHASE_NOTE})`,
    table(phaseCells(r)),
    '',
  ];
  const overhead = overheadLine(r);
  if (overhead) lines.push(overhead);
  const amdahl = amdahlLine(r);
  if (amdahl && r.amdahl) {
    lines.push(
      amdahl,
      `  predicted: ${r.amdahl.predictions.map((q) => `S(${q.cores}) = ${q.speedup.toFixed(1)}`).join(', ')}`,
      `  ${r.amdahl.caveat}`,
    );
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
