import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { analyzeSweep } from '../speedup/analyze.js';
import { formatMs, formatSpeedupReport } from '../speedup/format.js';
import { runSweep, type SweepProgress } from '../speedup/sweep.js';
import { intList, positiveInt } from './options.js';
import { checkFolderOf } from './reliability.js';
import { addInputOptions, runOptionsFromFlags } from './run.js';
import { cancelOnSignals } from './signals.js';

interface SpeedupFlags {
  input: string[];
  inputFormat?: string;
  workers?: number[];
  reducers?: number;
  splitSize?: string;
  batchRows?: number;
  param: string[];
  repeat: number;
  warmup: number;
  sequential: boolean;
  json?: string | true;
  svg?: string;
  html?: string;
  quiet?: boolean;
}

function nonNegativeInt(option: string) {
  return (text: string): number => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n)) throw new UsageError(`${option} must be 0 or a positive integer, got "${text}"`);
    return n;
  };
}

/** `quiver speedup <job>`: run a job at several worker counts and report how it scales. */
export function registerSpeedup(program: Command): void {
  const cmd = addInputOptions(
    program
      .command('speedup')
      .argument('<job>', 'job file (.ts/.js; file.ts#name for a named export) or built-in job name')
      .description('measure how a job scales with the number of workers'),
  );
  // The shared input options take one worker count; a sweep takes a list.
  const workers = cmd.options.find((o) => o.long === '--workers')!;
  workers.argParser(intList('--workers'));
  workers.description =
    'worker counts to measure, e.g. 1,2,4,8 (default: 1, 2, 4, … up to the cores, plus the core count); 1 is always added';
  cmd
    .option('--repeat <n>', 'timed runs per worker count', positiveInt('--repeat'), 5)
    .option('--warmup <n>', 'untimed runs before them, on the same workers', nonNegativeInt('--warmup'), 1)
    .option('--no-sequential', 'skip the sequential baseline T_seq (the plan run in the main thread, no workers)')
    .option('--json [file]', 'write the full measurements as JSON (schema quiver-speedup/1) to a file, or to stdout instead of the table')
    .option('--svg <file>', 'write the charts (speedup, efficiency, phase times) as one SVG')
    .option('--html <file>', 'write a self-contained HTML report with the charts and tables')
    .option('-q, --quiet', 'no progress line on stderr')
    .addHelpText(
      'after',
      '\nExample:\n  quiver speedup wordcount --input corpus.txt --workers 1,2,4 --repeat 5 --svg speedup.svg --html speedup.html',
    )
    .action(async (jobSpec: string, o: SpeedupFlags) => {
      const options = runOptionsFromFlags({ ...o, workers: undefined });
      // A sweep takes minutes: find a wrong output folder before it, not after.
      if (typeof o.json === 'string') checkFolderOf('--json', o.json);
      if (o.svg) checkFolderOf('--svg', o.svg);
      if (o.html) checkFolderOf('--html', o.html);
      const progress = o.quiet ? undefined : progressLine();
      const cancel = cancelOnSignals();
      let report: ReturnType<typeof analyzeSweep>;
      try {
        const sweep = await runSweep(jobSpec, {
          ...options,
          workers: o.workers,
          repeat: o.repeat,
          warmup: o.warmup,
          sequential: o.sequential,
          signal: cancel.signal,
          onProgress: progress?.update,
        });
        report = analyzeSweep(sweep, { splitSize: o.splitSize, reducers: o.reducers, batchRows: o.batchRows });
      } finally {
        cancel.dispose();
        progress?.done();
      }
      const json = JSON.stringify(report, null, 2) + '\n';
      if (o.json === true) process.stdout.write(json);
      else process.stdout.write(formatSpeedupReport(report) + '\n');
      if (typeof o.json === 'string') await writeFile(o.json, json);
      // Vega takes a few hundred ms to load: only when a chart is asked for, not on every quiver command.
      if (o.svg) {
        const { dashboardSpec, renderSvg } = await import('../speedup/charts.js');
        await writeFile(o.svg, await renderSvg(dashboardSpec(report)));
      }
      if (o.html) {
        const { renderHtmlReport } = await import('../speedup/html.js');
        await writeFile(o.html, await renderHtmlReport(report));
      }
    });
}

/** The progress line on stderr: rewritten in place on a terminal, one line per setting otherwise. */
function progressLine() {
  const tty = process.stderr.isTTY === true;
  let lastSetting: SweepProgress['setting'] | undefined;
  return {
    update(p: SweepProgress) {
      const what = p.setting === 'sequential' ? 'sequential (T_seq)' : `${p.setting} worker${p.setting === 1 ? '' : 's'}`;
      const eta = p.etaMs === undefined ? '' : `, about ${formatMs(p.etaMs)} left`;
      const line =
        `speedup: ${what}, run ${p.run} of ${p.runsPerSetting}${p.warmup ? ' (warm-up)' : ''} — ${p.done} of ${p.total} ` +
        `runs done${eta}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (p.setting !== lastSetting) process.stderr.write(line + '\n');
      lastSetting = p.setting;
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
