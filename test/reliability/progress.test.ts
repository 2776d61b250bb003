import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { run, type RunProgress } from 'quiver-engine';
import { PassThrough } from 'node:stream';
import { makeProgressView } from '../../dist/src/cli/progress.js';
import { CLI, tempDir } from '../helpers/tmp.js';
import { makeCorpus } from './corpus.js';

const dir = tempDir();
const { file } = makeCorpus(dir);

describe('progress', () => {
  it('the library emits events whose counts only grow, through map, reduce and done', async () => {
    const events: RunProgress[] = [];
    const { report } = await run('wordcount', { input: file, workers: 2, splitSize: '32KB', onProgress: (p) => events.push(p) });
    expect([...new Set(events.map((e) => e.phase))]).toEqual(['map', 'reduce', 'done']);
    const map = events.filter((e) => e.phase === 'map');
    expect(map.at(-1)).toMatchObject({
      tasksDone: report.input.splits,
      tasksTotal: report.input.splits,
      bytesDone: report.input.bytes,
      bytesTotal: report.input.bytes,
      rowsDone: report.input.rows,
    });
    for (let i = 1; i < map.length; i++) {
      expect(map[i]!.tasksDone).toBeGreaterThanOrEqual(map[i - 1]!.tasksDone);
      expect(map[i]!.bytesDone).toBeGreaterThanOrEqual(map[i - 1]!.bytesDone);
      expect(map[i]!.elapsedMs).toBeGreaterThanOrEqual(map[i - 1]!.elapsedMs);
    }
    expect(Math.max(...events.map((e) => e.workersBusy))).toBeGreaterThan(0);
    expect(events.every((e) => e.workers === 2 && e.workersBusy <= 2)).toBe(true);
    const reduce = events.filter((e) => e.phase === 'reduce');
    expect(reduce.at(-1)!.tasksDone).toBe(reduce.at(-1)!.tasksTotal);
  });

  it('--progress json prints one JSON object per line on stderr, the last of the map phase complete', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'run', 'wordcount', '-i', file, '-w', '2', '--split-size', '32KB', '--progress', 'json', '-q', '--format', 'csv'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const lines = r.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RunProgress & { type: string; rowsPerSecond: number; etaMs: number | null });
    expect(lines.every((l) => l.type === 'progress')).toBe(true);
    const lastMap = lines.filter((l) => l.phase === 'map').at(-1)!;
    expect(lastMap.tasksDone).toBe(lastMap.tasksTotal);
    expect(lastMap.bytesDone).toBe(lastMap.bytesTotal);
    expect(lines.at(-1)!.phase).toBe('done');
    expect(r.stdout.startsWith('word,count\n')).toBe(true);
  });

  it('draws no bar when stderr is not a terminal', () => {
    const r = spawnSync(process.execPath, [CLI, 'run', 'wordcount', '-i', file, '-w', '2', '-n', '1'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/\u001b\[|█|░|ETA/);
    expect(r.stderr.startsWith('quiver: wordcount — ')).toBe(true);
  });

  it('draws a bar on a terminal (cli-progress, loaded only then), and clears it at stop', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => {
      text += d.toString('utf8');
    });
    const tty = Object.assign(out, { isTTY: true, columns: 200, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const view = makeProgressView('bar', tty as unknown as NodeJS.WriteStream);
    const p: RunProgress = {
      phase: 'map',
      tasksDone: 1,
      tasksTotal: 4,
      bytesDone: 1 << 20,
      bytesTotal: 4 << 20,
      rowsDone: 1000,
      rowsTotal: 4000,
      elapsedMs: 500,
      workers: 2,
      workersBusy: 2,
      retried: 0,
    };
    view.onProgress(p);
    view.stop();
    expect(text).toMatch(/map +\|[█░]+\| 25% \| 1\/4 tasks \| 1(\.0)? MB\/4(\.0)? MB \| 2,000 rows\/s \| ETA 2s \| 2\/2 busy/);
  });
});
