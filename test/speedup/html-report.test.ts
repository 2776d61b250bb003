import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSweep } from '../../dist/src/speedup/analyze.js';
import { dashboardSpec, renderSvg, SERIES } from '../../dist/src/speedup/charts.js';
import { renderHtmlReport } from '../../dist/src/speedup/html.js';
import { PHASES } from '../../dist/src/speedup/phases.js';
import { programPath } from '../helpers/programs.js';
import { syntheticSweep } from '../helpers/synthetic-sweep.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const dir = tempDir();
const report = analyzeSweep(syntheticSweep());
const htmlFile = path.join(dir, 'report.html');
const svgText = await renderSvg(dashboardSpec(report));
writeFileSync(htmlFile, await renderHtmlReport(report));

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: programPath('Chromium'), args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

describe('the HTML speedup report in headless Chromium', () => {
  it('opens offline with no console errors, draws every series and phase, and carries its JSON', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    // Any network request would mean the page is not self-contained.
    const requests: string[] = [];
    page.on('request', (r) => void (r.url().startsWith('file:') || requests.push(r.url())));
    await page.goto(pathToFileURL(htmlFile).href);

    const drawn = await page.evaluate(() => {
      const lineLength = (chart: string, series: string) =>
        [...document.querySelectorAll<SVGPathElement>(`figure[data-chart="${chart}"] path[aria-roledescription="line mark"]`)]
          .filter((p) => (p.getAttribute('aria-label') ?? '').includes(`series: ${series}`))
          .reduce((n, p) => n + p.getTotalLength(), 0);
      const bars = [...document.querySelectorAll<SVGPathElement>('figure[data-chart="phases"] path[aria-roledescription="bar"]')];
      return {
        speedup: {
          measured: lineLength('speedup', 'measured S(p)'),
          sequential: lineLength('speedup', 'measured T_seq'),
          ideal: lineLength('speedup', 'ideal'),
          amdahl: lineLength('speedup', 'Amdahl fit'),
        },
        efficiency: { efficiency: lineLength('efficiency', 'efficiency'), karpFlatt: lineLength('efficiency', 'Karp–Flatt') },
        bars: bars.length,
        tallBars: bars.filter((b) => b.getBBox().height > 0.5).length,
        tables: document.querySelectorAll('table').length,
        json: JSON.parse(document.getElementById('quiver-speedup-report')!.textContent!).schema as string,
      };
    });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    for (const [name, length] of Object.entries({ ...drawn.speedup, ...drawn.efficiency })) expect(length, name).toBeGreaterThan(50);
    expect(drawn.bars).toBe(PHASES.length * 5);
    expect(drawn.tallBars).toBeGreaterThanOrEqual(5 * 5); // write is 0 ms and shuffle 1 ms in this sweep
    expect(drawn.tables).toBe(4);
    expect(drawn.json).toBe('quiver-speedup/1');

    // A full-page screenshot hangs in Debian's Chromium: size the viewport to the page instead.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: 1200, height });
    mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, '.tmp/speedup-report.png') });
    await page.close();
  });

  it("parses the --svg figure with the browser's XML parser", async () => {
    const page = await browser.newPage();
    const result = await page.evaluate((svg) => {
      const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.nodeName,
        legend: [...doc.querySelectorAll('text')].map((t) => t.textContent),
      };
    }, svgText);
    expect(result.error).toBeNull();
    expect(result.root).toBe('svg');
    expect(result.legend).toContain(SERIES.measured);
    await page.close();
  });
});
