import { describe, expect, it } from 'vitest';
import { analyzeSweep } from '../../dist/src/speedup/analyze.js';
import { dashboardSpec, phaseChartSpec, renderSvg, SERIES } from '../../dist/src/speedup/charts.js';
import { PHASE_LABELS, PHASES } from '../../dist/src/speedup/phases.js';
import { syntheticSweep } from '../helpers/synthetic-sweep.js';
import { elements, parseXml, type XmlElement } from '../helpers/xml.js';

const report = analyzeSweep(syntheticSweep());
const svg = await renderSvg(dashboardSpec(report));
const doc = parseXml(svg);
const all = [...elements(doc)];

/** Paths of line marks whose data names `series`, with the points each draws. */
function linesOf(series: string): Array<{ el: XmlElement; points: number }> {
  return all
    .filter(
      (e) =>
        e.name === 'path' &&
        e.attributes['aria-roledescription'] === 'line mark' &&
        (e.attributes['aria-label'] ?? '').includes(`series: ${series}`),
    )
    .map((el) => ({ el, points: (el.attributes.d ?? '').split(/[ML]/).filter((s) => s.trim() !== '').length }));
}

describe('speedup charts (Vega-Lite rendered to SVG in Node)', () => {
  it('are one well-formed SVG document', () => {
    expect(doc.name).toBe('svg');
    expect(doc.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(doc.attributes.width)).toBeGreaterThan(300);
  });

  it('draw the measured speedup through every worker count, the ideal line and the Amdahl fit', () => {
    expect(linesOf(SERIES.measured)).toHaveLength(1);
    expect(linesOf(SERIES.measured)[0]!.points).toBe(4);
    expect(linesOf(SERIES.sequential)[0]!.points).toBe(4);
    expect(linesOf(SERIES.ideal)[0]!.points).toBe(2);
    const amdahl = linesOf(`${SERIES.amdahl} (f = 0.080)`);
    expect(amdahl).toHaveLength(1);
    expect(amdahl[0]!.points).toBeGreaterThan(10);
    expect(amdahl[0]!.el.attributes['stroke-dasharray']).toBe('8,3');
  });

  it('draw efficiency and the Karp–Flatt fraction', () => {
    expect(linesOf(SERIES.efficiency)[0]!.points).toBe(4);
    expect(linesOf(SERIES.karpFlatt)[0]!.points).toBe(3);
  });

  it('stack one bar per phase for the sequential run and each worker count', () => {
    const bars = all.filter((e) => e.name === 'path' && e.attributes['aria-roledescription'] === 'bar');
    expect(bars).toHaveLength(PHASES.length * 5);
    for (const label of ['seq', '1', '2', '4', '8']) {
      expect(bars.filter((b) => b.attributes['aria-label']!.startsWith(`workers (seq = sequential, no threads): ${label};`)).length).toBe(
        PHASES.length,
      );
    }
  });

  it('name every series and phase in a legend', () => {
    const texts = new Set(all.filter((e) => e.name === 'text').map((e) => e.text));
    for (const s of [SERIES.measured, SERIES.sequential, SERIES.ideal, `${SERIES.amdahl} (f = 0.080)`, SERIES.efficiency, SERIES.karpFlatt])
      expect(texts).toContain(s);
    for (const k of PHASES) expect(texts).toContain(PHASE_LABELS[k]);
  });

  it('render a chart on its own too', async () => {
    const one = parseXml(await renderSvg(phaseChartSpec(report)));
    expect(one.name).toBe('svg');
  });
});
