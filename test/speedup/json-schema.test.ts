import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSweep } from '../../dist/src/speedup/analyze.js';
import { runSweep } from '../../dist/src/speedup/sweep.js';
import { textChunks } from '../../dist/src/datasets/text.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const file = path.join(dir, 'corpus.txt');
writeFileSync(file, [...textChunks(60_000, 3)].join(''));

/** Field paths documented in docs/speedup-json.md (first column of its tables), with `<setting>` expanded. */
function documentedPaths(): Set<string> {
  const doc = readFileSync(path.join(ROOT, 'docs/speedup-json.md'), 'utf8');
  const paths = [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
  return new Set(
    paths.flatMap((p) => (p.startsWith('<setting>') ? [p.replace('<setting>', 'sequential'), p.replace('<setting>', 'points[]')] : [p])),
  );
}

/** Field paths of a JSON value; arrays become `[]`, free-form objects (job.params) stay whole. */
function pathsOf(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (prefix) out.set(prefix, value);
  if (prefix === 'job.params') return out;
  if (Array.isArray(value)) for (const v of value) pathsOf(v, `${prefix}[]`, out);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) pathsOf(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

describe('the JSON report of a real sweep', async () => {
  const sweep = await runSweep('wordcount', { input: file, splitSize: '8KB', workers: [1, 2], repeat: 2, warmup: 1 });
  const report = JSON.parse(JSON.stringify(analyzeSweep(sweep, { splitSize: '8KB' })));
  const found = pathsOf(report);
  const documented = documentedPaths();

  it('has exactly the documented fields', () => {
    const leaves = [...found.keys()].filter(
      (p) => !documented.has(p) && ![...documented].some((d) => d.startsWith(`${p}.`) || d.startsWith(`${p}[]`)),
    );
    expect(leaves, 'fields in the report that docs/speedup-json.md does not list').toEqual([]);
    // A documented field may be absent only under a null (e.g. the sequential run's setupDetail).
    const missing = [...documented].filter((d) => !found.has(d) && !prefixesOf(d).some((p) => found.has(p) && found.get(p) === null));
    expect(missing, 'documented fields missing from the report').toEqual([]);
  });

  it('measures each setting `repeat` times, with the answer-independent facts right', () => {
    expect(report.schema).toBe('quiver-speedup/1');
    expect(report.settings).toEqual({ workers: [1, 2], repeat: 2, warmup: 1, splitSize: '8KB', reducers: null, batchRows: null });
    expect(report.points.map((p: { workers: number }) => p.workers)).toEqual([1, 2]);
    expect(report.sequential.runs).toHaveLength(2);
    for (const p of report.points) expect(p.runs).toHaveLength(2);
    expect(report.input.bytes).toBe(readFileSync(file).length);
    expect(report.points[0].speedup).toBe(1);
    expect(report.points[0].karpFlatt).toBeNull();
    expect(report.points[1].speedup).toBeCloseTo(report.points[0].wallMs.median / report.points[1].wallMs.median, 12);
    expect(report.points[1].tasks.map).toBe(report.points[1].splits);
    expect(report.points[1].tasks.map).toBeGreaterThan(2);
  });

  it("accounts for the median run's wall time with its phases, never more than it", () => {
    for (const s of [report.sequential, ...report.points]) {
      expect(s.phaseSumMs).toBeLessThanOrEqual(s.medianRunWallMs);
      // Runs here take milliseconds, so a busy machine's event-loop delay is a visible share: check loosely.
      expect(s.phaseSumMs).toBeGreaterThan(0.5 * s.medianRunWallMs);
      expect(s.runs.map((r: { wallMs: number }) => r.wallMs)).toContain(s.medianRunWallMs);
    }
  });
});

function prefixesOf(p: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.length; i++) if (p[i] === '.' || p.startsWith('[]', i)) out.push(p.slice(0, i));
  return out;
}
